/**
 * Search of the store of record (shared/record) over many synthetic decisions: the full-text
 * search `arbiter record search` and the console run (RecordStore.search: a walk of the newest
 * decisions for common words, the generated tsvector columns' GIN indexes for rare ones; see
 * shared/record/record-search.ts) against its strongest plain-SQL baseline on the same rows: the
 * same filters with ILIKE over the rationale, the post text and the reasoning, the way one
 * searches without text search.
 *
 * Data: RECORD_BENCH_DECISIONS decisions (default 1,000,000), one post per two decisions (70 %
 * English, 15 % German, 15 % unknown language) and one audit row of reasoning per decision, made
 * by PostgreSQL itself (INSERT ... SELECT over generate_series: no row crosses the socket, which
 * is faster than COPY from the client), every index but the primary keys built after the load.
 * 1 in 2,000 decisions names a refund for a screenshot. The rows live in their own database
 * (`arbiter_bench` on record.postgres.url's server) and are kept: a second run with the same size
 * skips the load. The seconds each step of a load took go to stderr and into the last line.
 *
 * Usage: bash scripts/postgres.sh start && npm run bench:record-search
 *        RECORD_BENCH_DECISIONS=200000 npm run bench:record-search
 * Last line: one JSON object.
 */
import pg from "pg";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";
import { searchStatement, type SearchFilters } from "@arbiter/shared/record/record-search.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";

const N = Number(process.env.RECORD_BENCH_DECISIONS ?? 1_000_000);
const RUNS = Number(process.env.RECORD_BENCH_RUNS ?? 5);
const DATABASE = "arbiter_bench";
const logger = createLogger("bench-record-search", "warn");
const config = loadConfig({});
const settings = config.record;

const adminUrl = new URL(settings.postgres.url);
if (adminUrl.username === "") adminUrl.username = settings.postgres.user;
const admin = new pg.Client({ connectionString: adminUrl.toString() });
await admin.connect();
if ((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE])).rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
await admin.end();
const benchUrl = new URL(settings.postgres.url);
benchUrl.pathname = `/${DATABASE}`;
const store = RecordStore.connect({ ...settings, postgres: { ...settings.postgres, url: benchUrl.toString(), statementTimeoutMs: 600_000 } }, logger);
await store.migrate(logger);
const db = store.sqlPool;

const TABLES = ["record_posts", "record_decisions", "record_audit"];
const phases: Record<string, number> = {};

/**
 * Loads N decisions in one session set for a bulk load, the way PostgreSQL's "Populating a
 * Database" advises: the tables' indexes other than the primary keys dropped first and built
 * again after the rows are in (each from its own definition in the catalog, so the searched
 * tables end up exactly as the migrations made them: same columns, same indexes, logged), a
 * large maintenance_work_mem for those builds, no wait for the WAL flush at commit.
 */
async function load(): Promise<number> {
  await db.query("CREATE TABLE IF NOT EXISTS bench_size (decisions integer NOT NULL)");
  const size = (await db.query("SELECT decisions FROM bench_size")).rows[0]?.decisions as number | undefined;
  if (size === N) return 0;
  const session = await db.connect();
  const step = async (name: string, sql: string) => {
    const begun = performance.now();
    await session.query(sql);
    phases[name] = Math.round(performance.now() - begun) / 1000;
    console.error(`load: ${name} ${phases[name]} s`);
  };
  try {
    return await loadIn(session, step);
  } finally {
    session.release();
  }
}

async function loadIn(session: pg.PoolClient, step: (name: string, sql: string) => Promise<void>): Promise<number> {
  const started = performance.now();
  await session.query("SET maintenance_work_mem = '1GB'");
  await session.query("SET synchronous_commit = off");
  // The definitions are kept in a table before the indexes are dropped: a load stopped halfway
  // still builds them at the next run.
  await session.query("CREATE TABLE IF NOT EXISTS bench_indexes (name text PRIMARY KEY, definition text NOT NULL)");
  await session.query(
    `INSERT INTO bench_indexes SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() AND tablename = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ON CONFLICT DO NOTHING`,
    [TABLES],
  );
  const indexes = (await session.query("SELECT name, definition FROM bench_indexes ORDER BY name")).rows as Array<{ name: string; definition: string }>;
  await session.query("TRUNCATE record_posts, record_decisions, record_audit, record_tickets, record_appeals, bench_size");
  for (const { name } of indexes) await session.query(`DROP INDEX IF EXISTS ${name}`);
  // A vocabulary of 3,000 made-up words and a few real ones; texts are random draws from it. An
  // array of `name` (fixed width): a subscript is an offset, where in a text[] it walks every
  // element before it (about 5 µs a word drawn: 3/4 of the load's time, the same texts).
  const vocabulary = `(SELECT array_agg(w::name) FROM (SELECT 'w' || md5(g::text)::varchar(6) AS w FROM generate_series(1, 3000) g
      UNION ALL SELECT unnest(ARRAY['seller','review','stars','link','crypto','giveaway','discount','aimbot','account','password','post','forum','offer','promo'])) v)`;
  // n words of the vocabulary picked by hashing the row's number: cheap, and the same rows every run.
  const words = (n: number, seed: string) =>
    Array.from({ length: n }, (_, k) => `vocab[1 + abs(hashint4((${seed}) * ${n} + ${k})) % array_length(vocab, 1)]`).join(" || ' ' || ");
  const policies = "(ARRAY['fake-reviews','spam','scams','hate','harassment','self-harm','cheats','doxxing'])";
  await step(
    "insert decisions",
    `INSERT INTO record_decisions (decision_id, post_id, forum_id, action, stage, policy_set_version, policies, policy_versions, policy_refs, model_id, effort,
       decided_by, ticket_id, appeal_id, replay_id, truncated, unreadable, latency_ms, post_created_at, decided_at, verdicts, ts_config, rationale)
     SELECT 'd' || i, 'p' || (i / 2), 'forum-' || (i % 50), (ARRAY['ALLOW','HIDE','REVIEW','BANNER'])[1 + i % 4],
       CASE WHEN i % 100 < 80 THEN 'primary' WHEN i % 100 < 92 THEN 'escalation' WHEN i % 100 < 97 THEN 'human' ELSE 'appeal' END,
       'set-1', ARRAY[p], ARRAY[v], ARRAY[p || '@' || v], 'gpt-oss-safeguard-20b', 'low',
       CASE WHEN i % 100 BETWEEN 92 AND 96 THEN 'mod' || (i % 20) END, NULL, NULL, NULL, false, NULL, 100,
       t - interval '1 minute', t, jsonb_build_array(jsonb_build_object('policyId', p, 'policyVersion', v)), 'english'::regconfig,
       CASE WHEN p = 'fake-reviews' AND i % 2000 < 8 THEN 'Offers a refund for a screenshot of a five-star review. ' ELSE '' END || ${words(14, "i")}
     FROM (SELECT i, ${policies}[1 + i % 8] AS p, (1 + i % 3)::text AS v, now() - (abs(hashint4(i)) % 7776000) * interval '1 second' AS t FROM generate_series(1, ${N}) i) s,
       ${vocabulary} AS vv(vocab)`,
  );
  await step(
    "insert posts",
    `INSERT INTO record_posts (post_id, forum_id, author_id, language, ts_config, body, created_at)
     SELECT 'p' || j, 'forum-' || ((j * 2) % 50), 'u' || (j % 100000), l, CASE l WHEN 'en' THEN 'english' WHEN 'de' THEN 'german' ELSE 'english' END::regconfig,
       ${words(30, "j + 7777777")}, now() - random() * interval '90 days'
     FROM (SELECT j, CASE WHEN j % 20 < 14 THEN 'en' WHEN j % 20 < 17 THEN 'de' END AS l FROM generate_series(0, ${Math.floor(N / 2)}) j) s, ${vocabulary} AS vv(vocab)`,
  );
  await step(
    "insert audit",
    `INSERT INTO record_audit (decision_id, policy_id, policy_version, post_id, stage, model_id, verdict, rule_ids, confidence, prompt_tokens, generated_tokens,
       latency_ms, error, sampled, created_at, ts_config, reasoning)
     SELECT decision_id, policies[1], policy_versions[1], post_id, stage, model_id, 'violate', ARRAY['R1'], 0.9, 800, 120, 100, NULL, false, decided_at, 'english',
       ${words(40, "substr(decision_id, 2)::int + 3333333")}
     FROM record_decisions, ${vocabulary} AS vv(vocab)`,
  );
  for (const { name, definition } of indexes) await step(`index ${name}`, definition);
  await session.query("DELETE FROM bench_indexes");
  await step("vacuum analyze", "VACUUM ANALYZE record_posts, record_decisions, record_audit");
  await session.query("INSERT INTO bench_size VALUES ($1)", [N]);
  return (performance.now() - started) / 1000;
}

/** The baseline: the same filters and branches, ILIKE '%word%' for each word instead of text search. */
function baselineStatement(filters: SearchFilters): { text: string; values: unknown[] } {
  const { text, values } = searchStatement({ ...filters, text: "" }, []);
  const where = /FROM record_decisions d (WHERE .*) ORDER BY/.exec(text)?.[1] ?? "";
  const patterns = filters.text
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => {
      values.push(`%${w}%`);
      return `$${values.length}`;
    });
  const all = (column: string) => patterns.map((p) => `${column} ILIKE ${p}`).join(" AND ");
  const limit = `$${values.indexOf(filters.limit) + 1}`;
  const cond = (extra: string) => (where ? `${where} AND ${extra}` : `WHERE ${extra}`);
  const branch = (extra: string) => `(SELECT d.decision_id, d.decided_at FROM record_decisions d ${cond(extra)} ORDER BY d.decided_at DESC LIMIT ${limit})`;
  return {
    text:
      `SELECT DISTINCT decision_id, decided_at FROM (${branch(all("d.rationale"))} UNION ALL ` +
      `${branch(`EXISTS (SELECT 1 FROM record_posts p WHERE p.post_id = d.post_id AND ${all("p.body")})`)} UNION ALL ` +
      `${branch(`EXISTS (SELECT 1 FROM record_audit a WHERE a.decision_id = d.decision_id AND ${all("a.reasoning")})`)}) h ORDER BY decided_at DESC LIMIT ${limit}`,
    values,
  };
}

const DAY = 86_400_000;
const now = Date.now();
const QUERIES: Array<{ name: string; filters: SearchFilters }> = [
  { name: "screenshot refund, policy fake-reviews, since 7d", filters: { text: "screenshot refund", policy: "fake-reviews", since: now - 7 * DAY, limit: 50 } },
  { name: "screenshot refund", filters: { text: "screenshot refund", limit: 50 } },
  { name: "common word (seller)", filters: { text: "seller", limit: 50 } },
  { name: "two common words, stage human, since 30d", filters: { text: "crypto giveaway", stage: "human", since: now - 30 * DAY, limit: 50 } },
  { name: "rare word, moderator mod3", filters: { text: "aimbot", moderator: "mod3", limit: 50 } },
  { name: "no match", filters: { text: "zzzqqq", limit: 50 } },
  { name: "filters only: HIDE in forum-7, since 1d", filters: { text: "", action: "HIDE", forum: "forum-7", since: now - DAY, limit: 50 } },
];

/** The search `arbiter record search` and the console run: RecordStore.search itself. */
async function search(filters: SearchFilters): Promise<number> {
  return (await store.search(filters)).length;
}

async function time(run: () => Promise<number>): Promise<{ medianMs: number; maxMs: number; rows: number }> {
  await run(); // warm
  const times: number[] = [];
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now();
    rows = await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10, maxMs: Math.round(times.at(-1)! * 10) / 10, rows };
}

const loadSeconds = await load();
const counts = (
  await db.query("SELECT (SELECT count(*) FROM record_decisions) AS d, (SELECT count(*) FROM record_posts) AS p, (SELECT count(*) FROM record_audit) AS a")
).rows[0];
console.log(
  `rows: ${counts.d} decisions, ${counts.p} posts, ${counts.a} audit rows${loadSeconds ? ` (loaded in ${loadSeconds.toFixed(0)} s)` : " (loaded before)"}`,
);
const results = [];
for (const q of QUERIES) {
  const searched = await time(() => search(q.filters));
  const statement = baselineStatement(q.filters);
  const baseline = q.filters.text ? await time(async () => (await db.query(statement.text, statement.values)).rowCount ?? 0) : null;
  results.push({ query: q.name, search: searched, baseline });
  console.log(
    `${q.name.padEnd(48)} search ${String(searched.medianMs).padStart(8)} ms (max ${searched.maxMs}, ${searched.rows} rows)` +
      (baseline ? `   ILIKE baseline ${String(baseline.medianMs).padStart(9)} ms (${baseline.rows} rows)` : ""),
  );
}
await store.close();
const worst = Math.max(...results.map((r) => r.search.maxMs));
console.log(
  JSON.stringify({
    bench: "record-search",
    decisions: Number(counts.d),
    posts: Number(counts.p),
    auditRows: Number(counts.a),
    runs: RUNS,
    ...(loadSeconds ? { loadSeconds: Math.round(loadSeconds), loadSteps: phases } : {}),
    worstSearchMs: worst,
    goalMs: 200,
    results,
  }),
);
