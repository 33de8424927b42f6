import { Command, Option } from "commander";
import type { Action, Stage } from "@arbiter/shared/codec/records.js";
import { isRetriable } from "@arbiter/shared/errors/arbiter-error.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { RecordStoreError } from "@arbiter/shared/record/errors/record-store-error.js";
import { erase, type ErasureSubject } from "@arbiter/shared/record/record-erasure.js";
import type { SearchFilters } from "@arbiter/shared/record/record-search.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";
import { renderSearchTable } from "@arbiter/shared/record/search-table.js";
import { parseRangeBound } from "@arbiter/shared/replay/replay-range.js";
import { commandContext, connectedKafka, wholeNumber, type CommandContext } from "../command-context.js";

// Record<Union, true>: a new Action or Stage fails to compile until it is listed here.
const ACTIONS: Record<Action, true> = { ALLOW: true, HIDE: true, REVIEW: true, BANNER: true };
const STAGES: Record<Stage, true> = { prefilter: true, primary: true, escalation: true, human: true, replay: true, appeal: true, second_look: true };

interface SearchFlags {
  policy?: string;
  policyVersion?: string;
  action?: Action;
  stage?: Stage;
  forum?: string;
  moderator?: string;
  since?: string;
  until?: string;
  limit?: number;
  json?: boolean;
}

/** A time bound: ISO-8601, epoch ms with `ms`, or a duration ago (7d). */
function timeOf(flag: string, text: string, now: number): number {
  let bound;
  try {
    bound = parseRangeBound(text, now);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
  if (bound.kind !== "time") throw new UsageError(`${flag}: "${text}" is an offset; give a time (ISO-8601, 1764583200000ms) or a duration ago (7d)`);
  return bound.ms;
}

/** Runs `work` on the store, closing it after; PostgreSQL not answering is exit code 3. */
async function withStore<T>(context: CommandContext, work: (store: RecordStore) => Promise<T>): Promise<T> {
  const store = RecordStore.connect(context.config.record, context.logger);
  try {
    return await work(store);
  } catch (error) {
    if (error instanceof RecordStoreError && error.sqlState === undefined && isRetriable(error))
      throw new ServiceUnreachableError(
        "PostgreSQL",
        `the store of record does not answer (${error.message})`,
        "run `bash scripts/postgres.sh start`, or set record.postgres.url",
      );
    throw error;
  } finally {
    await store.close();
  }
}

export function recordCommand(): Command {
  const record = new Command("record")
    .summary("the store of record (PostgreSQL): migrate, search, prune, erase")
    .description(
      "the store of record in PostgreSQL, fed by the record worker (`arbiter worker record`): every decision with its reasoning, tickets and appeals",
    );

  record
    .command("migrate")
    .summary("apply the store's schema migrations")
    .description("apply the store of record's migrations not yet applied (node-pg-migrate, table record_migrations); prints the names applied")
    .action(async (_flags: unknown, command: Command) => {
      const context = commandContext(command);
      const applied = await withStore(context, (store) => store.migrate(context.logger));
      process.stdout.write(applied.length === 0 ? "the store is up to date\n" : `${applied.map((name) => `applied ${name}`).join("\n")}\n`);
    });

  record
    .command("search")
    .summary("find decisions by words in the post, rationale or reasoning, and filters")
    .description(
      'full-text search of the store: decisions whose rationale, post text or model reasoning holds the words (PostgreSQL web search syntax: "a phrase", -not, or), newest first, narrowed by the filters',
    )
    .argument("[words]", "the words (empty: the filters alone)", "")
    .option("--policy <id>", "a policy among the decision's verdicts")
    .option("--policy-version <version>", "that policy's version (or any policy's, without --policy)")
    .addOption(new Option("--action <action>", "the decision's action").choices(Object.keys(ACTIONS)))
    .addOption(new Option("--stage <stage>", "the stage that decided").choices(Object.keys(STAGES)))
    .option("--forum <id>", "the forum")
    .option("--moderator <name>", "the moderator of a human decision")
    .option("--since <time>", "decided at or after: ISO-8601, epoch ms (…ms) or a duration ago (90m, 24h, 7d)")
    .option("--until <time>", "decided before (default: now)")
    .option("--limit <n>", "most results (default: record.search.limit)", wholeNumber(1))
    .option("--json", "the results as JSON")
    .action(async (words: string, flags: SearchFlags, command: Command) => {
      const context = commandContext(command);
      const now = Date.now();
      const filters: SearchFilters = {
        text: words,
        limit: Math.min(flags.limit ?? context.config.record.search.limit, 1000),
        ...(flags.policy === undefined ? {} : { policy: flags.policy }),
        ...(flags.policyVersion === undefined ? {} : { version: flags.policyVersion }),
        ...(flags.action === undefined ? {} : { action: flags.action }),
        ...(flags.stage === undefined ? {} : { stage: flags.stage }),
        ...(flags.forum === undefined ? {} : { forum: flags.forum }),
        ...(flags.moderator === undefined ? {} : { moderator: flags.moderator }),
        ...(flags.since === undefined ? {} : { since: timeOf("--since", flags.since, now) }),
        ...(flags.until === undefined ? {} : { until: timeOf("--until", flags.until, now) }),
      };
      const hits = await withStore(context, (store) => store.search(filters));
      process.stdout.write(flags.json ? `${JSON.stringify(hits, null, 2)}\n` : renderSearchTable(hits));
    });

  record
    .command("prune")
    .summary("delete rows past their retention now")
    .description(
      "delete the store's rows past each table's record.retentionDays (what the record worker does every record.pruneIntervalMinutes); prints the rows deleted per table",
    )
    .action(async (_flags: unknown, command: Command) => {
      const context = commandContext(command);
      const deleted = await withStore(context, (store) => store.prune());
      process.stdout.write(`${JSON.stringify({ deleted })}\n`);
    });

  record
    .command("erase")
    .summary("erase a post, or an author's posts, from the store and the decisions topic")
    .description(
      "erase a post (or every post the store knows the author of): a tombstone for each post's key on the compacted decisions topic, then its rows in the store, remembered so a redelivered record is not written again; prints the posts erased and the rows deleted",
    )
    .option("--post <id>", "the post")
    .option("--author <id>", "the author")
    .action(async (flags: { post?: string; author?: string }, command: Command) => {
      if ((flags.post === undefined) === (flags.author === undefined)) throw new UsageError("give one of --post ID and --author ID");
      const subject: ErasureSubject = flags.post !== undefined ? { post: flags.post } : { author: flags.author! };
      const context = commandContext(command);
      const kafka = await connectedKafka(context, "record-erase");
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const result = await withStore(context, (store) => erase(store, producer, context.config.kafka.topics.decisions, subject));
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } finally {
        await producer.disconnect();
      }
    });
  return record;
}
