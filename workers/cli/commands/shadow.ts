import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { renderDiffHtml, renderDiffJson, renderDiffText } from "@arbiter/shared/replay/diff-report.js";
import { commandContext, connectedKafka, wholeNumber } from "../command-context.js";

interface RunFlags {
  policy: string;
  maxModelCalls?: number;
  model?: string;
}

interface ReportFlags {
  since: string;
  until?: string;
  policy?: string;
  examples: number;
  json?: string;
  html?: string;
}

export function shadowCommand(): Command {
  const shadow = new Command("shadow")
    .summary("run a candidate policy version beside the live one, writing only to the shadow topic; report what it would change")
    .description("shadow mode: a candidate policy version decides live posts beside the live version and writes only to the shadow topic");
  shadow
    .command("run")
    .summary("decide live posts under a candidate version until SIGTERM/Ctrl-C (shadow topic only)")
    .description(
      "decide the live posts (from the end of the posts topic when first started; then from where it stopped) under the policy set in force with the candidate in place of its policy, in a consumer group of its own and with a bounded share of the model; the decisions, tagged shadow-<policy>-<version>, go to the shadow topic only — never to the decisions topic",
    )
    .requiredOption(
      "--policy <ref>",
      "the candidate: ID (the registry's current version, else policies.dir's), ID@VERSION (a version the registry keeps) or FILE (a policy file, e.g. a draft: FILE.md or a path with a /)",
    )
    .option("--max-model-calls <n>", "model calls at once (default: replay.maxModelCalls)", wholeNumber(1))
    .option("--model <path>", "GGUF model file instead of engine.modelPath")
    .action(async (flags: RunFlags, command: Command) => {
      const context = commandContext(command);
      const kafka = await connectedKafka(context, "shadow");
      const { startShadowRun } = await import("@arbiter/shared/replay/shadow-run.js");
      const run = await startShadowRun(
        context.config,
        {
          policy: flags.policy,
          maxModelCalls: flags.maxModelCalls ?? null,
          model: flags.model ?? null,
          logger: context.logger,
          warn: (message) => process.stderr.write(`warning: ${message}\n`),
        },
        { kafka },
      );
      process.stderr.write(`shadow run ${run.replayId} (group ${run.groupId}): writing to ${context.config.kafka.topics.shadow}; Ctrl-C to stop\n`);
      const code = await new Promise<number>((resolve) => {
        const onSignal = () => resolve(0);
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        void run.ended.then(resolve);
      });
      await run.stop();
      process.exitCode = code;
    });
  shadow
    .command("report")
    .summary("what the shadow decisions of a time window would change, against the decisions in force")
    .description(
      "read the shadow runs' decisions written over a time window and report allow→violate and violate→allow flips against the decisions in force for the same posts, by policy and rule id",
    )
    .option("--since <time>", "start: ISO-8601, epoch ms (…ms) or a duration ago (90m, 24h, 7d)", "24h")
    .option("--until <time>", "end (default: now)")
    .option("--policy <id>", "only the shadow runs of this policy's candidates")
    .option("--examples <n>", "examples per policy and flip direction", wholeNumber(0), 5)
    .option("--json <file>", "write the report as JSON")
    .option("--html <file>", "write the report as a self-contained HTML page")
    .action(async (flags: ReportFlags, command: Command) => {
      const context = commandContext(command);
      const kafka = await connectedKafka(context, "shadow-report");
      const { shadowReport } = await import("@arbiter/shared/replay/shadow-run.js");
      let diff;
      try {
        diff = await shadowReport(kafka, context.config, { since: flags.since, until: flags.until ?? null, policyId: flags.policy ?? null }, flags.examples);
      } catch (error) {
        if ((error as { name?: string }).name?.startsWith("KafkaJS")) throw error;
        throw new UsageError(`--since/--until: ${(error as Error).message}`);
      }
      const meta = {
        title: "shadow",
        replayId: flags.policy ? `shadow-${flags.policy}` : "shadow",
        policy: flags.policy ?? "every candidate",
        range: `${flags.since} .. ${flags.until ?? "now"}`,
        createdAt: new Date().toISOString(),
      };
      process.stdout.write(renderDiffText(diff, meta));
      if (flags.json) writeFileSync(flags.json, renderDiffJson(diff, meta));
      if (flags.html) writeFileSync(flags.html, renderDiffHtml(diff, meta));
    });
  return shadow;
}
