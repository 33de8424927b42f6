import { Command } from "commander";
import { TOPIC_KEYS, type TopicKey } from "@arbiter/shared/kafka/kafka-settings.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import {
  createTopics,
  describeTopics,
  kafkaTopicConfigs,
  newTopic,
  topicDrift,
  topicSpecs,
  type TopicSpec,
  type TopicState,
} from "@arbiter/shared/kafka/topic-admin.js";
import { textTable } from "@arbiter/shared/text/text-table.js";
import { commandContext, connectedKafka } from "../command-context.js";

/** The specs named on the command line (topic keys like `decisions`, or topic names); all of them when none is. */
function selectSpecs(specs: TopicSpec[], wanted: readonly string[]): TopicSpec[] {
  if (wanted.length === 0) return specs;
  return wanted.map((w) => {
    const spec = specs.find((s) => s.key === w || s.name === w);
    if (!spec) throw new UsageError(`no Arbiter topic "${w}": one of ${specs.map((s) => `${s.key} (${s.name})`).join(", ")}`);
    return spec;
  });
}

const configsText = (configs: Record<string, string>) =>
  Object.entries(configs)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

function describeText(spec: TopicSpec, state: TopicState | undefined): string {
  if (!state)
    return `${spec.name} (${spec.key}): missing — \`arbiter topics create\` creates it with ${spec.settings.partitions} partitions, ${configsText(kafkaTopicConfigs(spec.settings))}`;
  const drift = topicDrift(spec, state);
  const rows = [
    ["partition", "leader", "replicas", "in sync", "start offset", "end offset"],
    ...state.partitions.map((p) => [String(p.partition), String(p.leader), p.replicas.join(","), p.isr.join(","), p.low, p.high]),
  ];
  const records = state.partitions.reduce((sum, p) => sum + (BigInt(p.high) - BigInt(p.low)), 0n);
  return [
    `${spec.name} (${spec.key}): ${state.partitions.length} partitions, ${records} records kept, ${configsText(state.configs)}`,
    ...drift.map((d) => `  differs from the settings: ${d}`),
    textTable(rows)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n"),
  ].join("\n");
}

export function topicsCommand(): Command {
  const topics = new Command("topics")
    .summary("create or describe Arbiter's topics, as configured")
    .description("create or describe Arbiter's topics (names: kafka.topics; partitions, retention, cleanup policy: the topics section)");
  topics
    .command("create")
    .description("create the topics that do not exist yet, as configured; existing topics are left as they are (run it any number of times)")
    .argument("[topics...]", `topic keys (${TOPIC_KEYS.join(", ")}) or names; default: all`)
    .action(async (wanted: string[], _options: unknown, command: Command) => {
      const context = commandContext(command);
      const specs = selectSpecs(topicSpecs(context.config.kafka.topics, context.config.topics), wanted);
      const kafka = await connectedKafka(context, "topics");
      const created = new Set(await createTopics(kafka, specs.map(newTopic)));
      const states = await describeTopics(
        kafka,
        specs.map((s) => s.name),
      );
      for (const spec of specs) {
        const state = states.find((s) => s.name === spec.name);
        const drift = state ? topicDrift(spec, state) : [];
        const what = created.has(spec.name)
          ? `created: ${spec.settings.partitions} partitions, replication ${spec.settings.replicationFactor}, ${configsText(kafkaTopicConfigs(spec.settings))}`
          : "exists";
        process.stdout.write(`${spec.name} (${spec.key}): ${what}${drift.length > 0 ? `; differs from the settings: ${drift.join("; ")}` : ""}\n`);
      }
    });
  topics
    .command("describe")
    .description(
      "print each topic's partitions (leader, replicas, in-sync replicas, start and end offsets) and configs, and where they differ from the settings",
    )
    .argument("[topics...]", `topic keys (${TOPIC_KEYS.join(", ")}) or names; default: all`)
    .option("--json", "one JSON document instead of text")
    .action(async (wanted: string[], options: { json?: boolean }, command: Command) => {
      const context = commandContext(command);
      const specs = selectSpecs(topicSpecs(context.config.kafka.topics, context.config.topics), wanted);
      const kafka = await connectedKafka(context, "topics");
      const states = await describeTopics(
        kafka,
        specs.map((s) => s.name),
      );
      if (options.json) {
        const out = specs.map((spec) => {
          const state = states.find((s) => s.name === spec.name);
          return {
            key: spec.key as TopicKey,
            name: spec.name,
            exists: state !== undefined,
            settings: spec.settings,
            ...(state ? { partitions: state.partitions, configs: state.configs, drift: topicDrift(spec, state) } : {}),
          };
        });
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${specs
          .map((spec) =>
            describeText(
              spec,
              states.find((s) => s.name === spec.name),
            ),
          )
          .join("\n\n")}\n`,
      );
    });
  return topics;
}
