import { afterWalk, searchHit, searchStatement, walkStatement, type SearchFilters, type SearchHit } from "@arbiter/shared/record/record-search.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";
import { testNamespace } from "../../support/namespace.js";
import { testConfig, testLogger } from "../../support/worker.js";

// The two ways a search finds its decisions (shared/record/record-search.ts), the walk of the
// newest decisions and the GIN indexes, over the real PostgreSQL of scripts/postgres.sh: the same
// hits, newest first, matched in the same places, whichever answers. The rows are made inside
// PostgreSQL in this test's own forum, which every search filters on; they are deleted after.
const ns = testNamespace("record search");
const forum = `${ns.id}-forum`;
const postgresUrl = process.env.ARBITER_TEST_POSTGRES_URL ?? `postgres://127.0.0.1:${process.env.PGPORT ?? "5432"}/arbiter`;
const DECISIONS = 700;
let store: RecordStore;

beforeAll(async () => {
  const config = testConfig(ns, { record: { postgres: { url: postgresUrl } } });
  store = RecordStore.connect(config.record, await testLogger());
  await store.migrate(await testLogger());
  const db = store.sqlPool;
  // Decision i (1 second older per i) of post i/2: "alpha" in every 10th rationale, "bravo" in
  // every 7th post, "charlie" in every 13th decision's reasoning, "delta" in one reasoning only;
  // every 20th decision is human.
  await db.query(
    `INSERT INTO record_decisions (decision_id, post_id, forum_id, action, stage, policy_set_version, policies, policy_versions, policy_refs,
       truncated, latency_ms, post_created_at, decided_at, verdicts, ts_config, rationale)
     SELECT $1 || '-d' || i, $1 || '-p' || (i / 2), $2, 'HIDE', CASE WHEN i % 20 = 0 THEN 'human' ELSE 'primary' END, 's', ARRAY['spam'], ARRAY['1'],
       ARRAY['spam@1'], false, 10, now() - i * interval '1 second' - interval '1 minute', now() - i * interval '1 second', '[]', 'english',
       CASE WHEN i % 10 = 0 THEN 'Posts alpha links.' ELSE 'Posts links.' END
     FROM generate_series(1, $3::int) i`,
    [ns.id, forum, DECISIONS],
  );
  await db.query(
    `INSERT INTO record_posts (post_id, forum_id, author_id, ts_config, body, created_at)
     SELECT $1 || '-p' || j, $2, 'u', 'english', CASE WHEN j % 7 = 0 THEN 'Buy bravo now' ELSE 'Buy now' END, now() - interval '1 day'
     FROM generate_series(0, $3::int / 2) j`,
    [ns.id, forum, DECISIONS],
  );
  await db.query(
    `INSERT INTO record_audit (decision_id, policy_id, policy_version, post_id, stage, rule_ids, prompt_tokens, generated_tokens, latency_ms, sampled,
       created_at, ts_config, reasoning)
     SELECT decision_id, 'spam', '1', post_id, stage, ARRAY['R1'], 1, 1, 1, false, decided_at, 'english',
       CASE WHEN substr(decision_id, length($1) + 3)::int % 13 = 0 THEN 'Reads charlie.'
            WHEN substr(decision_id, length($1) + 3)::int = 649 THEN 'Reads delta.' ELSE 'Reads.' END
     FROM record_decisions WHERE forum_id = $2`,
    [ns.id, forum],
  );
}, 60_000);

afterAll(async () => {
  for (const table of ["record_audit", "record_decisions", "record_posts"])
    await store?.sqlPool.query(`DELETE FROM ${table} WHERE post_id LIKE $1`, [`${ns.id}-%`]);
  await store?.close();
});

const queriesOf = async (text: string) =>
  (await store.sqlPool.query("SELECT websearch_to_tsquery('english', $1)::text AS q", [text])).rows.map((r) => r.q as string);
const ids = (hits: readonly SearchHit[]) => hits.map((h) => `${h.decisionId.slice(ns.id.length + 1)} ${h.matched.join("+")}`);

async function byIndex(filters: SearchFilters): Promise<SearchHit[]> {
  const statement = searchStatement(filters, await queriesOf(filters.text));
  return (await store.sqlPool.query(statement.text, statement.values)).rows.map(searchHit);
}

async function byWalk(filters: SearchFilters, walk: number) {
  const statement = walkStatement(filters, await queriesOf(filters.text), walk);
  return afterWalk((await store.sqlPool.query(statement.text, statement.values)).rows, filters.limit, walk, 1e6);
}

test.each<[string, Omit<SearchFilters, "forum">, "answer" | "walk" | "index"]>([
  // 31 of the newest 100 match (the 100th too): not 40, so a longer walk.
  ["three words, each in its own place", { text: "alpha or bravo or charlie", limit: 40 }, "walk"],
  // 15 human decisions in 5 minutes: the walk of 100 sees them all.
  ["a post's word, human decisions, since 5 minutes", { text: "bravo", stage: "human", since: Date.now() - 300_000, limit: 50 }, "answer"],
  ["a word in one old reasoning", { text: "delta", limit: 10 }, "index"],
  ["no match", { text: "zulu", limit: 10 }, "index"],
])("%s: the walk, the indexes and RecordStore.search find the same decisions", async (_name, asked, afterShortWalk) => {
  const filters = { ...asked, forum };
  const expected = await byIndex(filters);
  // A walk over every decision of the forum is the answer, the same as the indexes'.
  const whole = await byWalk(filters, DECISIONS + 1);
  expect("answer" in whole && ids(whole.answer)).toEqual(ids(expected));
  const short = await byWalk(filters, 100);
  expect(Object.keys(short)).toEqual([afterShortWalk]);
  if ("answer" in short) expect(ids(short.answer)).toEqual(ids(expected));
  expect(ids(await store.search(filters))).toEqual(ids(expected));
});

test("the hits: newest first, and each decision where its words matched", async () => {
  const hits = ids(await store.search({ text: "alpha or bravo or charlie", forum, limit: 40 }));
  // Decision 1 is of post 0 (bravo), 10 has alpha, 13 charlie, 14 and 15 are of post 7 (bravo); 70 has alpha and is of post 35.
  expect(hits.slice(0, 8)).toEqual(["d1 post", "d10 rationale", "d13 reasoning", "d14 post", "d15 post", "d20 rationale", "d26 reasoning", "d28 post"]);
  expect(hits).toContain("d70 post+rationale");
  expect(ids(await store.search({ text: "delta", forum, limit: 5 }))).toEqual(["d649 reasoning"]);
});
