import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { CliError } from "@arbiter/shared/cli/errors/cli-error.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { renderDiffHtml, renderDiffJson, renderDiffText } from "@arbiter/shared/replay/diff-report.js";
import { commandContext, connectedKafka, wholeNumber } from "../command-context.js";
import { progressBar } from "../progress-bar.js";

interface ReplayFlags {
  policy: string;
  from: string;
  to?: string;
  forum?: string;
  apply?: boolean;
  replayId?: string;
  maxModelCalls?: number;
  model?: string;
  examples: number;
  json?: string;
  html?: string;
  quiet?: boolean;
}

export function replayCommand(): Command {
  return new Command("replay")
    .summary("decide a range of the posts topic again under a policy version, and diff it against the decisions in force")
    .description(
      "read the posts topic over a range on every partition and decide each post on the worker's path (prefilter, verdict cache, model) under a candidate policy version, in a consumer group of its own and with a bounded share of the model; write the decisions, tagged with a replay id, to the shadow topic (with --apply to the decisions topic too, stage replay); then report allow→violate and violate→allow flips against the decisions in force, by policy and rule id",
    )
    .requiredOption(
      "--policy <ref>",
      "the candidate: ID (the registry's current version, else policies.dir's), ID@VERSION (a version the registry keeps) or FILE (a policy file, e.g. a draft: FILE.md or a path with a /); the other policies in force (the registry's current, else policies.dir) stay as they are",
    )
    .requiredOption(
      "--from <time|offset>",
      "start: a time (ISO-8601, epoch ms as 1764583200000ms, or a duration ago: 90m, 24h, 7d) or an offset (N on every partition, or P:O,P:O)",
    )
    .option("--to <time|offset>", "end, exclusive (default: the end of each partition when the replay is planned)")
    .option("--forum <id>", "only posts of this forum")
    .option("--apply", "also write the decisions to the decisions topic (stage replay), so sinks act on the flips")
    .option("--replay-id <id>", "name of the run (default: derived from the policy version and the range, so the same command resumes)")
    .option("--max-model-calls <n>", "model calls at once (default: replay.maxModelCalls)", wholeNumber(1))
    .option("--model <path>", "GGUF model file instead of engine.modelPath")
    .option("--examples <n>", "examples per policy and flip direction in the report", wholeNumber(0), 5)
    .option("--json <file>", "write the diff report as JSON")
    .option("--html <file>", "write the diff report as a self-contained HTML page")
    .option("-q, --quiet", "no progress bar (there is none when stderr is no terminal)")
    .addHelpText(
      "after",
      `
Resuming: the first run writes its plan (the range's offsets, the policy version) to replay.stateDir/<replay-id>.json;
its consumer group commits each partition's progress with its decisions in one Kafka transaction. After Ctrl-C
(exit 130) or a kill, the same command goes on where it stopped: no post is skipped or decided twice.`,
    )
    .action(async (flags: ReplayFlags, command: Command) => {
      const context = commandContext(command);
      const kafka = await connectedKafka(context, "replay");
      // Loaded here, not at start: the engine's node-llama-cpp alone takes most of a second to import.
      const { runReplay } = await import("@arbiter/shared/replay/replay-run.js");
      const stop = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write("\nstopping after the posts in flight (Ctrl-C again to quit at once)\n");
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const progress = progressBar("replay", flags.quiet === true);
      let outcome;
      try {
        outcome = await runReplay(
          context.config,
          {
            policy: flags.policy,
            from: flags.from,
            to: flags.to ?? null,
            forumId: flags.forum ?? null,
            apply: flags.apply === true,
            replayId: flags.replayId ?? null,
            maxModelCalls: flags.maxModelCalls ?? null,
            model: flags.model ?? null,
            examples: flags.examples,
            signal: stop.signal,
            logger: context.logger,
            onPlan: (plan, resumed) =>
              process.stderr.write(
                `replay ${plan.replayId} of ${plan.candidate}${resumed ? " (resuming)" : ""}: ${plan.ranges.map((r) => `p${r.partition} ${r.start}..${r.end}`).join(", ")}\n`,
              ),
            onProgress: (done, total) => progress.update(done, total),
            warn: (message) => process.stderr.write(`warning: ${message}\n`),
          },
          { kafka },
        );
      } catch (error) {
        if (error instanceof CliError || error instanceof ServiceUnreachableError) throw error;
        throw new CliError("failure", (error as Error).message);
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      if (outcome.interrupted || !outcome.diff) {
        throw new CliError(
          "interrupted",
          `interrupted: ${outcome.done} of ${outcome.total} records of replay ${outcome.plan.replayId} done; run the same command again to resume`,
        );
      }
      process.stdout.write(renderDiffText(outcome.diff, outcome.meta));
      if (flags.json) writeFileSync(flags.json, renderDiffJson(outcome.diff, outcome.meta));
      if (flags.html) writeFileSync(flags.html, renderDiffHtml(outcome.diff, outcome.meta));
    });
}
