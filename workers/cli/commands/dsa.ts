import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { KafkaDecisionSource } from "@arbiter/shared/dsa/decision-source.js";
import { batches, exportStatements, submitBatches } from "@arbiter/shared/dsa/statement-export.js";
import type { StatementPolicy } from "@arbiter/shared/dsa/statement.js";
import { policiesInForce } from "@arbiter/shared/policy-registry/policies-in-force.js";
import { parseRangeBound } from "@arbiter/shared/replay/replay-range.js";
import { commandContext, connectedKafka } from "../command-context.js";
import { progressBar } from "../progress-bar.js";

interface ExportFlags {
  since: string;
  until?: string;
  out?: string;
  submit?: string;
  quiet?: boolean;
}

/** Checks a --since/--until bound before any broker is asked (a bad one is a usage error). */
function checkBound(flag: string, text: string): void {
  try {
    parseRangeBound(text, Date.now());
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

export function dsaCommand(): Command {
  const dsa = new Command("dsa")
    .summary("statements of reasons for the EU DSA Transparency Database")
    .description("statements of reasons (DSA Articles 17 and 24(5)) for the restrictions Arbiter decided: docs/dsa.md");
  dsa
    .command("export")
    .summary("a statement for every HIDE and BANNER, in batches of up to 100")
    .description(
      "read the decisions topic over a window (with the tickets, to tell a moderator's confirmation from a moderator's own decision) and write a statement of reasons for every restriction — HIDE, BANNER, by the model or a moderator — in the shape of the Transparency Database API's batch endpoint: one JSON object {statements: [...]} per line, at most 100 a line. Replay and shadow decisions are never exported; a restriction under a policy with no `dsa` front matter has no statement and makes the exit code 1",
    )
    .option("--since <time>", "start: ISO-8601, epoch ms (…ms) or a duration ago (90m, 24h, 7d)", "24h")
    .option("--until <time>", "end (default: now)")
    .option("--out <file>", "write the batches to FILE (default: stdout)")
    .option("--submit <url>", "POST each batch to the API's batch endpoint at URL (…/api/v1/statements) with the bearer token of dsa.token")
    .option("--quiet", "no progress bar")
    .action(async (flags: ExportFlags, command: Command) => {
      checkBound("--since", flags.since);
      if (flags.until !== undefined) checkBound("--until", flags.until);
      if (flags.submit !== undefined) {
        try {
          new URL(flags.submit);
        } catch {
          throw new UsageError(`--submit: "${flags.submit}" is not a URL`);
        }
      }
      const context = commandContext(command);
      const { config, logger } = context;
      const { set } = await policiesInForce(config);
      const policies = new Map<string, StatementPolicy>(set.policies.map((p) => [p.id, { id: p.id, title: p.title, dsa: p.dsa }]));
      const kafka = await connectedKafka(context, "dsa");
      const { topics } = config.kafka;
      // Tickets from 30 days before the window (a moderator answers a ticket raised earlier); from the first kept when the window is given in offsets.
      const since = parseRangeBound(flags.since, Date.now());
      const ticketsFrom = since.kind === "time" ? `${Math.max(0, since.ms - 30 * 86_400_000)}ms` : "0";
      const source = new KafkaDecisionSource(kafka, topics, Date.now, ticketsFrom);
      const records = await source.read({ from: flags.since, to: flags.until ?? null });
      const exported = exportStatements(records, policies, config.dsa.territorialScope);
      const all = batches(exported.statements);
      const lines = all.map((b) => `${JSON.stringify(b)}\n`).join("");
      if (flags.out) writeFileSync(flags.out, lines);
      else if (!flags.submit) process.stdout.write(lines);
      let submitted = null;
      if (flags.submit) {
        const bar = progressBar("batches", flags.quiet === true);
        try {
          submitted = await submitBatches(flags.submit, config.dsa.token ?? { env: "DSA_API_TOKEN" }, "dsa.token", all, {
            retry: config.dsa.retry,
            timeoutMs: config.dsa.timeoutMs,
            logger,
            onBatch: (done) => bar.update(done, all.length),
          });
        } finally {
          bar.stop();
        }
      }
      const unmapped = Object.entries(exported.unmapped);
      const summary = {
        window: `${flags.since} .. ${flags.until ?? "now"}`,
        ...exported.counts,
        batches: all.length,
        unmapped: exported.unmapped,
        ...(submitted ? { submitted } : {}),
      };
      process.stderr.write(`${JSON.stringify(summary)}\n`);
      for (const [policyId, n] of unmapped)
        logger.error({ policyId, restrictions: n }, "restrictions under a policy with no dsa mapping have no statement: add dsa front matter to the policy");
      if (unmapped.length > 0 || (submitted !== null && submitted.refused.length > 0)) process.exitCode = 1;
    });
  return dsa;
}
