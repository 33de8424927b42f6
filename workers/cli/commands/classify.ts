import { Command, Option } from "commander";
import { EFFORTS, type Effort } from "@arbiter/shared/policy/effort.js";
import { CliError } from "@arbiter/shared/cli/errors/cli-error.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { resolvePolicyRef } from "@arbiter/shared/policy-registry/resolve-policy-ref.js";
import { assertReadable, datasetFormatOf } from "@arbiter/shared/eval/dataset-file.js";
import { DEFAULT_POST_COLUMNS, readPostFile } from "@arbiter/shared/cli/post-file.js";
import { commandContext } from "../command-context.js";

interface ClassifyFlags {
  policy: string;
  file?: string;
  effort?: Effort;
  against?: string;
  model?: string;
  skipPrefilter?: boolean;
}

/** The posts of a JSON-lines or CSV file (`id` and `text` fields); a bad line is a usage error naming it. */
async function postsOf(file: string): Promise<{ id: string; text: string }[]> {
  try {
    await assertReadable(file);
  } catch (error) {
    throw new UsageError(`--file ${(error as Error).message}`);
  }
  const posts: { id: string; text: string }[] = [];
  for await (const line of readPostFile(file, datasetFormatOf(file), DEFAULT_POST_COLUMNS)) {
    if ("error" in line) throw new UsageError(`${file}:${line.line}: ${line.error}`);
    posts.push({ id: line.post.id, text: line.post.text });
  }
  if (posts.length === 0) throw new UsageError(`${file}: no posts`);
  return posts;
}

export function classifyCommand(): Command {
  return new Command("classify")
    .summary("try a policy (or two versions) on one post or a file of posts")
    .description(
      "decide posts under a policy on the worker's own path in-process (prefilter, model, verdict; no Kafka, no cache) and print the verdict, the rule ids, the measured confidence, the rationale and the model's reasoning; with --file, a table; with --against, the other version's verdicts and those that differ",
    )
    .argument("[text]", "the post's text (or --file)")
    .requiredOption(
      "--policy <ref>",
      "FILE (a policy file, e.g. a draft: FILE.md or a path with a /), ID (the registry's current version, else policies.dir's) or ID@VERSION (a version the registry keeps)",
    )
    .option("--file <posts>", 'posts to classify: JSON lines ({"id","text"}) or CSV with a header row')
    .option("--against <ref>", "a second version to compare: ID@VERSION, ID or FILE")
    .addOption(new Option("--effort <effort>", "reasoning effort over the policy's own").choices(EFFORTS))
    .option("--model <path>", "GGUF model file instead of engine.modelPath (the rest of the engine section applies)")
    .option("--skip-prefilter", "send every post to the model, even one without a keyword of the policy")
    .action(async (text: string | undefined, flags: ClassifyFlags, command: Command) => {
      if ((text === undefined) === (flags.file === undefined)) throw new UsageError("give the post's text or --file, not both and not neither");
      const context = commandContext(command);
      const target = await resolvePolicyRef(flags.policy, { config: context.config, option: "--policy" });
      const against = flags.against === undefined ? null : await resolvePolicyRef(flags.against, { config: context.config, option: "--against" });
      for (const warning of new Set([...target.warnings, ...(against?.warnings ?? [])])) process.stderr.write(`warning: ${warning}\n`);
      if (against && against.policy.id !== target.policy.id)
        process.stderr.write(`note: comparing two different policies (${target.policy.id}, ${against.policy.id})\n`);
      const posts = flags.file === undefined ? [{ id: "post", text: text! }] : await postsOf(flags.file);
      // Loaded here, not at start: the engine's node-llama-cpp alone takes most of a second to import.
      const { classifyPosts } = await import("@arbiter/shared/eval/classify-posts.js");
      const { renderOne, renderTable } = await import("@arbiter/shared/eval/classify-report.js");
      const stop = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) process.exit(130);
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      let items;
      try {
        ({ items } = await classifyPosts(context.config, {
          target,
          against,
          posts,
          effort: flags.effort ?? null,
          model: flags.model ?? null,
          skipPrefilter: flags.skipPrefilter === true,
          signal: stop.signal,
          logger: context.logger,
        }));
      } catch (error) {
        if (error instanceof CliError || error instanceof ServiceUnreachableError) throw error;
        throw new CliError("failure", (error as Error).message);
      } finally {
        process.off("SIGINT", onSignal);
      }
      if (stop.signal.aborted) throw new CliError("interrupted", "interrupted");
      process.stdout.write(
        flags.file === undefined ? renderOne(items[0]!, target.name, against?.name ?? null) : renderTable(items, target.name, against?.name ?? null),
      );
    });
}
