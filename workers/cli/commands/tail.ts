import { Command } from "commander";
import { TOPIC_KEYS, type TopicKey } from "@arbiter/shared/kafka/kafka-settings.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { formatRecord, recordJson } from "@arbiter/shared/cli/record-format.js";
import { decodeRecord } from "@arbiter/shared/codec/topic-record.js";
import { tailTopic } from "@arbiter/shared/cli/topic-tail.js";
import { commandContext, connectedKafka, wholeNumber } from "../command-context.js";

export function tailCommand(): Command {
  return new Command("tail")
    .summary("print a topic's records, decoded")
    .description("print a topic's records decoded (any schema version, by the fingerprint header); a record that cannot be decoded is shown as such")
    .argument("<topic>", `${TOPIC_KEYS.join(", ")} (the names in kafka.topics), or any topic name`)
    .option("--from-beginning", "from the first record kept (default: the last --limit records)")
    .option("-f, --follow", "keep printing new records until Ctrl-C (exit 0)")
    .option("-n, --limit <n>", "with --from-beginning: stop after n records; otherwise: print the last n (default 10)", wholeNumber(1))
    .option("--json", "one JSON object a line (topic, partition, offset, timestamp, key, kind, version, value; bytes as base64)")
    .action(async (topicArg: string, options: { fromBeginning?: boolean; follow?: boolean; limit?: number; json?: boolean }, command: Command) => {
      const context = commandContext(command);
      const names = context.config.kafka.topics;
      const topic = topicArg in names ? names[topicArg as TopicKey] : topicArg;
      const kafka = await connectedKafka(context, "tail");
      const registry = ShippedSchemas.load();
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await tailTopic(
          kafka,
          { topic, fromBeginning: options.fromBeginning === true, follow: options.follow === true, limit: options.limit ?? null, signal: stop.signal },
          (message) => {
            const decoded = decodeRecord(registry, message);
            process.stdout.write(`${options.json ? recordJson(message, decoded) : formatRecord(message, decoded)}\n`);
          },
        );
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
