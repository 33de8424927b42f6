import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runner } from "node-pg-migrate";
import type { Appeal, Audit, Decision, Ticket } from "../codec/records.js";
import type { Logger } from "../observability/logger.js";
import { ConfigError } from "../settings/config-error.js";
import { resolveSecret } from "../settings/transport-security.js";
import { RecordStoreError } from "./errors/record-store-error.js";
import { appealRow, auditRows, decisionRow, postRow, searchConfigs, ticketRow } from "./record-rows.js";
import { afterWalk, firstWalk, searchHit, searchStatement, tsqueriesStatement, walkStatement, type SearchFilters, type SearchHit } from "./record-search.js";
import { RECORD_TABLES, type RecordSettings, type RecordTable } from "./record-settings.js";

/** The migrations `arbiter record migrate` applies: SQL files beside this one (copied into dist/ by the build). */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
const MIGRATIONS_TABLE = "record_migrations";

type Row = object;
type ColumnTypes = Record<string, string>;

// Each table's columns and their SQL types: a row is inserted through explicit casts, so a
// parameter never depends on PostgreSQL guessing its type.
const COLUMNS = {
  record_posts: {
    post_id: "text",
    forum_id: "text",
    author_id: "text",
    language: "text",
    ts_config: "regconfig",
    body: "text",
    created_at: "timestamptz",
  },
  record_decisions: {
    decision_id: "text",
    post_id: "text",
    forum_id: "text",
    action: "text",
    stage: "text",
    policy_set_version: "text",
    policies: "text[]",
    policy_versions: "text[]",
    policy_refs: "text[]",
    model_id: "text",
    effort: "text",
    decided_by: "text",
    ticket_id: "text",
    appeal_id: "text",
    replay_id: "text",
    truncated: "boolean",
    unreadable: "text",
    latency_ms: "integer",
    post_created_at: "timestamptz",
    decided_at: "timestamptz",
    verdicts: "jsonb",
    ts_config: "regconfig",
    rationale: "text",
  },
  record_audit: {
    decision_id: "text",
    policy_id: "text",
    policy_version: "text",
    post_id: "text",
    stage: "text",
    model_id: "text",
    verdict: "text",
    rule_ids: "text[]",
    confidence: "double precision",
    prompt_tokens: "integer",
    generated_tokens: "integer",
    latency_ms: "integer",
    error: "text",
    sampled: "boolean",
    created_at: "timestamptz",
    ts_config: "regconfig",
    reasoning: "text",
  },
  record_tickets: {
    ticket_id: "text",
    decision_id: "text",
    post_id: "text",
    forum_id: "text",
    stage: "text",
    reason: "text",
    policy_set_version: "text",
    appeal_id: "text",
    verdicts: "jsonb",
    reasoning: "jsonb",
    created_at: "timestamptz",
  },
  record_appeals: {
    appeal_id: "text",
    post_id: "text",
    forum_id: "text",
    policy_ids: "text[]",
    requested_by: "text",
    note: "text",
    requested_at: "timestamptz",
  },
} satisfies Record<string, ColumnTypes>;
type TableName = keyof typeof COLUMNS;

/** Each retention table, its SQL table and the column its age is counted from. */
const RETENTION: Record<RecordTable, { table: TableName; time: string }> = {
  decisions: { table: "record_decisions", time: "decided_at" },
  audit: { table: "record_audit", time: "created_at" },
  tickets: { table: "record_tickets", time: "created_at" },
  appeals: { table: "record_appeals", time: "requested_at" },
  posts: { table: "record_posts", time: "created_at" },
};

/**
 * `INSERT ... ON CONFLICT (key) DO UPDATE`: the row written once per record id however often the
 * record comes, the later delivery's values winning (the same values: a record never changes).
 * Nothing is written for a post (or an author) `arbiter record erase` erased.
 */
function upsertSql(table: TableName, keys: readonly string[], erasure: { post: string; author?: string }): string {
  const types: ColumnTypes = COLUMNS[table];
  const columns = Object.keys(types);
  const casts = columns.map((c, i) => `$${i + 1}::${types[c]}`);
  const subjects = [`'post:' || $${columns.indexOf(erasure.post) + 1}::text`];
  if (erasure.author) subjects.push(`'author:' || $${columns.indexOf(erasure.author) + 1}::text`);
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  return (
    `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${casts.join(", ")}` +
    ` WHERE NOT EXISTS (SELECT 1 FROM record_erasures WHERE subject IN (${subjects.join(", ")}))` +
    ` ON CONFLICT (${keys.join(", ")}) DO UPDATE SET ${updates.join(", ")}, recorded_at = now()`
  );
}

const SQL = {
  post: upsertSql("record_posts", ["post_id"], { post: "post_id", author: "author_id" }),
  decision: upsertSql("record_decisions", ["decision_id"], { post: "post_id" }),
  audit: upsertSql("record_audit", ["decision_id", "policy_id"], { post: "post_id" }),
  ticket: upsertSql("record_tickets", ["ticket_id"], { post: "post_id" }),
  appeal: upsertSql("record_appeals", ["appeal_id"], { post: "post_id" }),
};

const valuesOf = (table: TableName, row: Row): unknown[] => Object.keys(COLUMNS[table]).map((c) => (row as Record<string, unknown>)[c] ?? null);

/** The URL with `user` in it unless it names one (pg lets a connection string's absent user override its `user` option). */
function withUser(url: string, user: string): string {
  const parsed = new URL(url);
  if (parsed.username === "") parsed.username = encodeURIComponent(user);
  return parsed.toString();
}

/** Everything the store knows of one post: the post-history page. */
export interface PostHistory {
  post: { postId: string; forumId: string; authorId: string; language: string | null; text: string; createdAt: number } | null;
  decisions: Array<{
    decisionId: string;
    forumId: string;
    action: string;
    stage: string;
    decidedAt: number;
    decidedBy: string | null;
    modelId: string | null;
    ticketId: string | null;
    appealId: string | null;
    replayId: string | null;
    policySetVersion: string;
    verdicts: Array<{ policyId: string; policyVersion: string; decision: string; confidence: number; rationale: string; source: string }>;
    reasoning: Array<{ policyId: string; policyVersion: string; verdict: string | null; reasoning: string; error: string | null }>;
  }>;
  tickets: Array<{ ticketId: string; decisionId: string; stage: string; reason: string; createdAt: number }>;
  appeals: Array<{ appealId: string; requestedBy: string; note: string; requestedAt: number }>;
}

export interface ErasureResult {
  /** The posts erased: each gets a tombstone on the decisions topic. */
  postIds: string[];
  /** Rows deleted per table. */
  deleted: Record<RecordTable, number>;
}

/**
 * The store of record: PostgreSQL through one pool. Every write is an upsert by the record's
 * id; every failure is a {@link RecordStoreError}, retriable unless PostgreSQL judged the data.
 */
export class RecordStore {
  private readonly configs: string[];

  private constructor(
    private readonly pool: pg.Pool,
    private readonly settings: RecordSettings,
  ) {
    this.configs = searchConfigs(settings.search);
  }

  /** A pool on `record.postgres` (no connection made until the first query). */
  static connect(settings: RecordSettings, logger: Logger): RecordStore {
    const { postgres } = settings;
    const pool = new pg.Pool({
      connectionString: withUser(postgres.url, postgres.user),
      ...(postgres.password === undefined ? {} : { password: resolveSecret(postgres.password, "record.postgres.password") }),
      max: postgres.poolSize,
      connectionTimeoutMillis: 5000,
      statement_timeout: postgres.statementTimeoutMs,
      application_name: "arbiter",
    });
    // An idle connection that drops (PostgreSQL restarted) is replaced at the next query; without a listener it would crash the process.
    pool.on("error", (error) => logger.warn({ err: error.message }, "record store: idle connection lost"));
    return new RecordStore(pool, settings);
  }

  /** Applies the migrations not yet applied (node-pg-migrate, table record_migrations); the names applied now. */
  async migrate(logger: Logger): Promise<string[]> {
    const client = await this.connection("migrate");
    try {
      const ran = await runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        migrationsTable: MIGRATIONS_TABLE,
        direction: "up",
        count: Infinity,
        checkOrder: true,
        // Several workers starting at once: the first migrates, the others wait for it.
        advisoryLockMode: "wait",
        migrationLoaderStrategies: [{ extensions: [".sql"], loader: "sql" }],
        logger: { debug: () => undefined, info: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) },
      });
      return ran.map((m) => m.name);
    } catch (error) {
      throw new RecordStoreError("migrate", error);
    } finally {
      client.release();
    }
  }

  /**
   * Checks the schema is migrated and every configured text search configuration exists: a
   * worker that would fail at every record does not start.
   */
  async check(): Promise<void> {
    const missing = await this.query("check", "SELECT to_regclass('record_decisions') IS NULL AS missing", []);
    if (missing.rows[0]?.missing) throw new ConfigError("record.postgres.url", "the store has no tables: run `arbiter record migrate` first");
    const known = await this.query("check", "SELECT cfgname FROM pg_ts_config", []);
    const names = new Set(known.rows.map((r) => r.cfgname as string));
    const { search } = this.settings;
    if (!names.has(search.defaultConfig))
      throw new ConfigError("record.search.defaultConfig", `PostgreSQL has no text search configuration ${JSON.stringify(search.defaultConfig)}`);
    for (const [language, config] of Object.entries(search.languages))
      if (!names.has(config))
        throw new ConfigError(`record.search.languages.${language}`, `PostgreSQL has no text search configuration ${JSON.stringify(config)}`);
  }

  async putDecision(decision: Decision): Promise<void> {
    await this.query("write decision", SQL.decision, valuesOf("record_decisions", decisionRow(decision, this.settings.search)));
  }

  async putAudit(audit: Audit): Promise<void> {
    const rows = auditRows(audit, this.settings.search);
    await this.transaction("write audit", async (client) => {
      for (const row of rows) await client.query(SQL.audit, valuesOf("record_audit", row));
    });
  }

  /** The ticket and its post (text, author, language). */
  async putTicket(ticket: Ticket): Promise<void> {
    await this.transaction("write ticket", async (client) => {
      await client.query(SQL.post, valuesOf("record_posts", postRow(ticket.post, this.settings.search)));
      await client.query(SQL.ticket, valuesOf("record_tickets", ticketRow(ticket)));
    });
  }

  /** The appeal and its post. */
  async putAppeal(appeal: Appeal): Promise<void> {
    await this.transaction("write appeal", async (client) => {
      await client.query(SQL.post, valuesOf("record_posts", postRow(appeal.post, this.settings.search)));
      await client.query(SQL.appeal, valuesOf("record_appeals", appealRow(appeal)));
    });
  }

  /**
   * A search: the filters alone, one statement; with words, a walk of the newest decisions that
   * pass the filters ({@link walkStatement}), a second, longer one where the first found the words
   * common, and the GIN indexes ({@link searchStatement}) where they are rare. One read-only
   * transaction with no parallel workers and no JIT compilation: on the 2-core benchmark machine
   * starting the workers took 50–60 ms and compiling 40–65 ms a statement (a word the planner has
   * no statistics for looks costly enough for both), where the statement itself took under 1 ms.
   */
  async search(filters: SearchFilters): Promise<SearchHit[]> {
    if (filters.text.trim() === "") {
      const statement = searchStatement(filters, []);
      return (await this.query("search", statement.text, statement.values)).rows.map(searchHit);
    }
    return this.transaction(
      "search",
      async (client) => {
        const settings = await client.query(
          "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true), (SELECT reltuples FROM pg_class WHERE oid = 'record_decisions'::regclass) AS decisions",
        );
        const decisions = Math.max(0, Number(settings.rows[0]?.decisions ?? 0));
        const parsed = tsqueriesStatement(filters.text, this.configs);
        const queries = (await client.query(parsed.text, parsed.values)).rows.map((r) => r.q as string);
        // Only stop words ("the", "and"): nothing can match.
        if (queries.length === 0) return [];
        // The first walk, then at most one more: a share of matches that falls further back sends the search to the indexes.
        let walk = firstWalk(filters.limit);
        for (let walks = 1; walks <= 2; walks++) {
          const statement = walkStatement(filters, queries, walk);
          const next = afterWalk((await client.query(statement.text, statement.values)).rows, filters.limit, walk, decisions);
          if ("answer" in next) return next.answer;
          if ("index" in next) break;
          walk = next.walk;
        }
        const statement = searchStatement(filters, queries);
        return (await client.query(statement.text, statement.values)).rows.map(searchHit);
      },
      true,
    );
  }

  async postHistory(postId: string): Promise<PostHistory> {
    return this.transaction(
      "post history",
      async (client) => {
        const [post, decisions, audit, tickets, appeals] = await Promise.all([
          client.query("SELECT * FROM record_posts WHERE post_id = $1", [postId]),
          client.query("SELECT * FROM record_decisions WHERE post_id = $1 ORDER BY decided_at, decision_id", [postId]),
          client.query("SELECT * FROM record_audit WHERE post_id = $1 ORDER BY policy_id", [postId]),
          client.query("SELECT * FROM record_tickets WHERE post_id = $1 ORDER BY created_at", [postId]),
          client.query("SELECT * FROM record_appeals WHERE post_id = $1 ORDER BY requested_at", [postId]),
        ]);
        const p = post.rows[0];
        return {
          post: p
            ? { postId: p.post_id, forumId: p.forum_id, authorId: p.author_id, language: p.language, text: p.body, createdAt: (p.created_at as Date).getTime() }
            : null,
          decisions: decisions.rows.map((d) => ({
            decisionId: d.decision_id,
            forumId: d.forum_id,
            action: d.action,
            stage: d.stage,
            decidedAt: (d.decided_at as Date).getTime(),
            decidedBy: d.decided_by,
            modelId: d.model_id,
            ticketId: d.ticket_id,
            appealId: d.appeal_id,
            replayId: d.replay_id,
            policySetVersion: d.policy_set_version,
            verdicts: d.verdicts,
            reasoning: audit.rows
              .filter((a) => a.decision_id === d.decision_id)
              .map((a) => ({ policyId: a.policy_id, policyVersion: a.policy_version, verdict: a.verdict, reasoning: a.reasoning, error: a.error })),
          })),
          tickets: tickets.rows.map((t) => ({
            ticketId: t.ticket_id,
            decisionId: t.decision_id,
            stage: t.stage,
            reason: t.reason,
            createdAt: (t.created_at as Date).getTime(),
          })),
          appeals: appeals.rows.map((a) => ({
            appealId: a.appeal_id,
            requestedBy: a.requested_by,
            note: a.note,
            requestedAt: (a.requested_at as Date).getTime(),
          })),
        };
      },
      true,
    );
  }

  /** The posts an erasure covers: the post itself, or every post the store knows the author of. */
  async postsOf(subject: { post: string } | { author: string }): Promise<string[]> {
    if ("post" in subject) return [subject.post];
    const result = await this.query("erase", "SELECT post_id FROM record_posts WHERE author_id = $1 ORDER BY post_id", [subject.author]);
    return result.rows.map((r) => r.post_id as string);
  }

  /**
   * Deletes every row of the post (or of each post the store knows the author of) and remembers
   * the erasure, so a redelivered record is not written again. One transaction.
   */
  async erase(subject: { post: string } | { author: string }): Promise<ErasureResult> {
    return this.transaction("erase", async (client) => {
      const postIds =
        "post" in subject
          ? [subject.post]
          : (await client.query("SELECT post_id FROM record_posts WHERE author_id = $1 ORDER BY post_id", [subject.author])).rows.map(
              (r) => r.post_id as string,
            );
      const deleted = {} as Record<RecordTable, number>;
      for (const table of RECORD_TABLES) {
        const result = await client.query(`DELETE FROM ${RETENTION[table].table} WHERE post_id = ANY($1::text[])`, [postIds]);
        deleted[table] = result.rowCount ?? 0;
      }
      const subjects = [...postIds.map((id) => `post:${id}`), ...("author" in subject ? [`author:${subject.author}`] : [])];
      await client.query("INSERT INTO record_erasures (subject) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [subjects]);
      return { postIds, deleted };
    });
  }

  /** Deletes the rows past each table's `record.retentionDays` (0: kept forever); the rows deleted per table. */
  async prune(now = Date.now()): Promise<Record<RecordTable, number>> {
    const deleted = {} as Record<RecordTable, number>;
    for (const table of RECORD_TABLES) {
      const days = this.settings.retentionDays[table];
      deleted[table] = 0;
      if (days === 0) continue;
      const { table: name, time } = RETENTION[table];
      const result = await this.query(`prune ${table}`, `DELETE FROM ${name} WHERE ${time} < $1`, [new Date(now - days * 86_400_000)]);
      deleted[table] = result.rowCount ?? 0;
    }
    return deleted;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** The pool, for the benchmark's COPY and the tests. */
  get sqlPool(): pg.Pool {
    return this.pool;
  }

  private async connection(operation: string): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new RecordStoreError(operation, error);
    }
  }

  private async query(operation: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(text, values);
    } catch (error) {
      throw new RecordStoreError(operation, error);
    }
  }

  private async transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>, readOnly = false): Promise<T> {
    const client = await this.connection(operation);
    try {
      await client.query(readOnly ? "BEGIN READ ONLY" : "BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error instanceof RecordStoreError ? error : new RecordStoreError(operation, error);
    } finally {
      client.release();
    }
  }
}
