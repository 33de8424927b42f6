import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";
import { EFFORTS, type Effort } from "@arbiter/shared/policy/effort.js";
import { CliError } from "@arbiter/shared/cli/errors/cli-error.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { assertColumns } from "@arbiter/shared/cli/post-file.js";
import { assertReadable, datasetFormatOf, type DatasetFormat } from "@arbiter/shared/eval/dataset-file.js";
import type { Evaluation } from "@arbiter/shared/eval/evaluation.js";
import { DEFAULT_LABEL_COLUMNS } from "@arbiter/shared/eval/labelled-posts.js";
import { renderHtmlReport } from "@arbiter/shared/eval/report-html.js";
import { renderTextReport } from "@arbiter/shared/eval/report-text.js";
import { reviewSample, renderReview } from "@arbiter/shared/eval/review.js";
import { commandContext, collect, wholeNumber } from "../command-context.js";
import { progressBar } from "../progress-bar.js";

interface EvalFlags {
  dataset: string;
  policy: string[];
  effort?: Effort;
  limit?: number;
  sample?: number;
  seed: number;
  model?: string;
  format?: DatasetFormat;
  textCol: string;
  labelCol: string;
  idCol: string;
  positive?: string;
  onBadLine: "stop" | "skip";
  json?: string;
  html?: string;
  review?: number;
  quiet?: boolean;
  resume: boolean;
  resultsDir: string;
}

/** The JSON report: every figure, and each post's result (without the reasoning) so the figures can be checked. */
function jsonReport(evaluation: Evaluation, meta: Record<string, unknown>): string {
  return JSON.stringify(
    {
      ...meta,
      reports: evaluation.reports,
      flips: evaluation.flipped,
      results: evaluation.targets.map((t, i) => ({
        policy: t.name,
        posts: evaluation.items[i]!.map(({ post, result }) => {
          const { reasoning: _reasoning, ...rest } = result;
          return { ...rest, line: post.line, label: post.label };
        }),
      })),
    },
    null,
    2,
  );
}

export function evalCommand(): Command {
  return new Command("eval")
    .summary("measure a policy (or two versions) on a labelled set")
    .description(
      "decide a labelled set under a policy (or two versions side by side) on the worker's path in-process — prefilter, model, verdict; no Kafka — and report precision, recall, F1, accuracy, false-positive rate, the confusion matrix, per-rule figures, the funnel, the escalation rate, calibration, latency and the disagreements",
    )
    .requiredOption("--dataset <file>", 'labelled posts: JSON lines ({"id","text","label"}) or CSV with a header row')
    .requiredOption(
      "--policy <ref>",
      "ID (the registry's current version, else policies.dir's), ID@VERSION (a version the registry keeps) or FILE (a policy file, e.g. a draft: FILE.md or a path with a /); give it twice to compare two versions",
      collect,
    )
    .addOption(new Option("--effort <effort>", "reasoning effort over the policy's own").choices(EFFORTS))
    .addOption(new Option("--limit <n>", "only the first n posts").argParser(wholeNumber(1)).conflicts("sample"))
    .option("--sample <n>", "n posts drawn at random (seeded: --seed)", wholeNumber(1))
    .option("--seed <s>", "seed of --sample and --review", wholeNumber(0), 1)
    .option("--model <path>", "GGUF model file instead of engine.modelPath (the rest of the engine section applies)")
    .addOption(new Option("--format <format>", "dataset format (default: csv for a .csv name, else jsonl)").choices(["jsonl", "csv"]))
    .option("--text-col <name>", "field holding the post text", DEFAULT_LABEL_COLUMNS.text)
    .option("--label-col <name>", "field holding the label", DEFAULT_LABEL_COLUMNS.label)
    .option("--id-col <name>", "field holding the post id (missing: line-<n>)", DEFAULT_LABEL_COLUMNS.id)
    .option("--positive <value>", "the label value that means violates (default: 1/true/yes/violate/unsafe… vs 0/false/no/allow/safe…)")
    .addOption(
      new Option("--on-bad-line <what>", "a row that is no labelled post: stop (exit 1) or skip it (reported on stderr)")
        .choices(["stop", "skip"])
        .default("stop"),
    )
    .option("--json <file>", "write the report and every post's result as JSON")
    .option("--html <file>", "write a self-contained HTML report (confusion matrix, precision/recall by threshold, calibration chart)")
    .option("--review <n>", "print n model decisions drawn at random (--seed) with their reasoning", wholeNumber(1))
    .option("-q, --quiet", "no progress bar (there is none when stderr is no terminal)")
    .option("--no-resume", "start over instead of reusing the results of an earlier run with the same dataset, policy version, model and settings")
    .option("--results-dir <dir>", "where per-post results are kept for resuming", resolveFromRoot(".run/eval"))
    .addHelpText(
      "after",
      `
Resuming: each post's result is appended to <results-dir>/<policy>-<key>.jsonl as it is decided; the key
hashes the dataset's bytes, the policy version, the effort, the model file (id, size, time) and the
engine settings that change answers. A run with the same key (interrupted, or with another --limit or
--sample) decides only the posts not in the file; engine failures are tried again. --no-resume starts over.
Ctrl-C stops after the posts in flight (exit 130); run the same command again to continue.`,
    )
    .action(async (flags: EvalFlags, command: Command) => {
      if (flags.policy.length > 2) throw new UsageError("--policy: give one policy, or two to compare");
      try {
        await assertReadable(flags.dataset);
      } catch (error) {
        throw new UsageError(`--dataset ${(error as Error).message}`);
      }
      const format = flags.format ?? datasetFormatOf(flags.dataset);
      await assertColumns(flags.dataset, format, { "--text-col": flags.textCol, "--label-col": flags.labelCol });
      const context = commandContext(command);
      // Loaded here, not at start: the engine's node-llama-cpp alone takes most of a second to import.
      const { runEvaluation } = await import("@arbiter/shared/eval/evaluation.js");
      const stop = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write("\nstopping after the posts in flight (Ctrl-C again to quit at once)\n");
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      const progress = progressBar("eval", flags.quiet === true);
      let evaluation: Evaluation;
      try {
        evaluation = await runEvaluation(context.config, {
          dataset: flags.dataset,
          format,
          columns: { text: flags.textCol, label: flags.labelCol, id: flags.idCol, positive: flags.positive ?? null },
          onBadRow: flags.onBadLine,
          policies: flags.policy,
          effort: flags.effort ?? null,
          limit: flags.limit ?? null,
          sample: flags.sample ?? null,
          seed: flags.seed,
          model: flags.model ?? null,
          resultsDir: flags.resultsDir,
          resume: flags.resume,
          signal: stop.signal,
          logger: context.logger,
          warn: (message) => process.stderr.write(`${message}\n`),
          onProgress: (done, total) => progress.update(done, total),
        });
      } catch (error) {
        // Bad rows and unknown policies are the input's fault; they name the file and line.
        if (error instanceof CliError || error instanceof ServiceUnreachableError) throw error;
        throw new CliError("failure", (error as Error).message);
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
      }
      if (evaluation.interrupted) {
        const done = evaluation.items.reduce((n, items) => n + items.length, 0);
        throw new CliError(
          "interrupted",
          `interrupted: ${done} of ${evaluation.posts.length * evaluation.targets.length} decisions kept in ${evaluation.resultFiles.join(", ")}; run the same command again to resume`,
        );
      }
      if (evaluation.resumed > 0) process.stderr.write(`resumed: ${evaluation.resumed} decision(s) from ${evaluation.resultFiles.join(", ")}\n`);
      const meta = { dataset: flags.dataset, model: evaluation.modelId, createdAt: new Date().toISOString() };
      process.stdout.write(renderTextReport(evaluation.reports, evaluation.flipped));
      if (flags.review !== undefined) {
        evaluation.targets.forEach((t, i) =>
          process.stdout.write(`\n${renderReview(t.name, reviewSample(evaluation.items[i]!, flags.review!, flags.seed), flags.seed)}`),
        );
      }
      if (flags.json) writeFileSync(flags.json, `${jsonReport(evaluation, meta)}\n`);
      if (flags.html) writeFileSync(flags.html, renderHtmlReport(evaluation.reports, evaluation.flipped, meta));
    });
}
