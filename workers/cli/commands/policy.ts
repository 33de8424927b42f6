import { Command } from "commander";
import { openPolicyRegistry } from "@arbiter/shared/policy-registry/open-policy-registry.js";
import type { PolicyRegistry } from "@arbiter/shared/policy-registry/policy-registry.js";
import {
  checkPolicyFile,
  diffPolicy,
  listPolicies,
  policyHistory,
  pushPolicy,
  readPolicyFile,
  rejection,
  renderCheck,
  resolveStored,
  rollbackPolicy,
} from "@arbiter/shared/cli/policy-commands.js";
import { commandContext, type CommandContext } from "../command-context.js";

/** Runs `fn` against the configured registry (exit code 3 when Redis does not answer). */
async function withRegistry<T>(context: CommandContext, fn: (registry: PolicyRegistry) => Promise<T>): Promise<T> {
  const { registry, close } = await openPolicyRegistry(context.config);
  try {
    return await fn(registry);
  } finally {
    close();
  }
}

const MODEL_OPTION = ["--model <path>", "GGUF model whose tokenizer counts the body's tokens (checked against policies.maxTokens)"] as const;

export function policyCommand(): Command {
  const policy = new Command("policy")
    .summary("check, push, list, show, diff and roll back policies in the registry")
    .description(
      'the policy registry in Redis (redis.url; keys under redis.keyPrefix + "policy:"): every version of every policy is kept, each policy id has a current version, and running workers switch to a pushed or rolled-back version within seconds, without a restart',
    );
  policy
    .command("validate")
    .description(
      "check a policy file as push does: front matter, required sections, rule ids, body size and (with --model) token count; exit 1 when a check fails",
    )
    .argument("<file>", "policy file (Markdown with front matter)")
    .option(...MODEL_OPTION)
    .action(async (file: string, flags: { model?: string }, command: Command) => {
      const context = commandContext(command);
      const check = await checkPolicyFile(file, context.config, flags.model ?? null);
      process.stdout.write(renderCheck(check, file));
      if (check.errors.length > 0) throw rejection(check, `${file} does not pass`);
    });
  policy
    .command("push")
    .description("check a policy file (as validate does) and make it its policy's current version; a rejected push changes nothing and says why")
    .argument("<file>", "policy file (Markdown with front matter)")
    .option(...MODEL_OPTION)
    .action(async (file: string, flags: { model?: string }, command: Command) => {
      const context = commandContext(command);
      const check = await checkPolicyFile(file, context.config, flags.model ?? null);
      for (const warning of check.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (check.errors.length > 0) throw rejection(check, `push rejected, the registry is unchanged; ${file}`);
      const text = await readPolicyFile(file);
      process.stdout.write(await withRegistry(context, (registry) => pushPolicy(registry, check, text)));
    });
  policy
    .command("list")
    .description("every policy with its current version; with an ID, that policy's history (each push and rollback)")
    .argument("[id]", "a policy id")
    .action(async (id: string | undefined, _flags: unknown, command: Command) => {
      const context = commandContext(command);
      process.stdout.write(await withRegistry(context, (registry) => (id === undefined ? listPolicies(registry) : policyHistory(registry, id))));
    });
  policy
    .command("show")
    .description("print a policy file as the registry keeps it (the current version, or the one named); its id and version go to stderr")
    .argument("<ref>", "ID or ID@VERSION (a version, or a unique prefix of 4+ characters)")
    .action(async (ref: string, _flags: unknown, command: Command) => {
      const context = commandContext(command);
      const stored = await withRegistry(context, (registry) => resolveStored(registry, ref));
      process.stderr.write(`${stored.id}@${stored.version}\n`);
      process.stdout.write(stored.text);
    });
  policy
    .command("diff")
    .description("what changed between two versions of a policy: the front-matter fields the pipeline acts on, then a unified diff of the file")
    .argument("<id>", "policy id")
    .argument("<v1>", "the older version (or a unique prefix)")
    .argument("<v2>", "the newer version (or a unique prefix)")
    .action(async (id: string, v1: string, v2: string, _flags: unknown, command: Command) => {
      const context = commandContext(command);
      process.stdout.write(await withRegistry(context, (registry) => diffPolicy(registry, id, v1, v2)));
    });
  policy
    .command("rollback")
    .description("make an earlier version current again: the one named, else the one current before the current one")
    .argument("<id>", "policy id")
    .argument("[version]", "the version to make current (or a unique prefix)")
    .action(async (id: string, version: string | undefined, _flags: unknown, command: Command) => {
      const context = commandContext(command);
      process.stdout.write(await withRegistry(context, (registry) => rollbackPolicy(registry, id, version)));
    });
  return policy;
}
