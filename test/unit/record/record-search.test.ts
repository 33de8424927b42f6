import { afterWalk, firstWalk, searchStatement, walkStatement } from "@arbiter/shared/record/record-search.js";

const queries = ["'refund' & 'screenshot'", "'screenshot' & 'refund'"];

test("filters alone: one indexed scan of the decisions, each value a parameter", () => {
  const s = searchStatement({ text: "  ", policy: "fake-reviews", action: "HIDE", since: 1000, limit: 20 }, queries);
  expect(s.text).not.toMatch(/tsquery/);
  expect(s.text).toMatch(/WHERE d\.policies @> ARRAY\[\$1\]::text\[\] AND d\.action = \$2 AND d\.decided_at >= \$3 ORDER BY d\.decided_at DESC LIMIT \$4$/);
  expect(s.values).toEqual(["fake-reviews", "HIDE", new Date(1000), 20]);
});

test("a policy with a version matches that policy's version; a version alone any policy's", () => {
  expect(searchStatement({ text: "", policy: "p", version: "3", limit: 1 }, queries)).toMatchObject({ values: ["p@3", 1] });
  expect(searchStatement({ text: "", policy: "p", version: "3", limit: 1 }, queries).text).toMatch(/d\.policy_refs @>/);
  expect(searchStatement({ text: "", version: "3", limit: 1 }, queries).text).toMatch(/d\.policy_versions @>/);
});

test("words: the rationale, post and reasoning branches each filtered, the query parsed in every configuration", () => {
  const s = searchStatement({ text: "screenshot refund", stage: "human", moderator: "alice", forum: "f", until: 5, limit: 10 }, queries);
  // Nothing of the input is in the SQL text.
  expect(s.text).not.toMatch(/screenshot|alice/);
  expect(s.values).toEqual(["human", "f", "alice", new Date(5), 10, ...queries]);
  expect(s.text.match(/\(\$6::tsquery \|\| \$7::tsquery\)/g)).toHaveLength(3);
  expect(s.text.match(/d\.stage = \$1 AND d\.forum_id = \$2 AND d\.decided_by = \$3 AND d\.decided_at < \$4/g)).toHaveLength(3);
  for (const source of ["rationale", "post", "reasoning"]) expect(s.text).toContain(`'${source}' AS source`);
});

test("the walk: the newest decisions that pass the filters, each probed for the words, its last decision marked", () => {
  const s = walkStatement({ text: "screenshot refund", stage: "human", since: 1000, limit: 10 }, queries, 500);
  expect(s.text).not.toMatch(/screenshot/);
  expect(s.values).toEqual(["human", new Date(1000), 10, ...queries, 500]);
  // The filters and the cap on the walk, newest first.
  expect(s.text).toMatch(/FROM record_decisions d WHERE d\.stage = \$1 AND d\.decided_at >= \$2 ORDER BY d\.decided_at DESC LIMIT \$6\)/);
  // A probe per decision (LIMIT 1 in a LATERAL subquery), the query parsed in every configuration in each check.
  expect(
    s.text.match(/LEFT JOIN LATERAL \(SELECT '(post|reasoning)' AS source FROM record_(posts|audit) \w WHERE [^()]*\([^()]*\) LIMIT 1\) \w ON true/g),
  ).toHaveLength(2);
  expect(s.text.match(/\(\$4::tsquery \|\| \$5::tsquery\)/g)).toHaveLength(4);
  // The matches, or the walk's last decision with its place in the walk; one row more than the limit.
  expect(s.text).toMatch(/ AS matched, d\.walked FROM /);
  expect(s.text).toMatch(/OR d\.walked = \$6 ORDER BY d\.decided_at DESC LIMIT \$3 \+ 1$/);
});

test("the first walk: 10 decisions per result, at least 500, at most 2,000", () => {
  expect([1, 50, 100, 150, 1000].map(firstWalk)).toEqual([500, 500, 1000, 1500, 2000]);
});

const row = (id: number, matched: string[], walked = id + 1) => ({
  decision_id: `d${id}`,
  post_id: `p${id}`,
  forum_id: "f",
  action: "HIDE",
  stage: "primary",
  policies: ["spam"],
  policy_refs: ["spam@1"],
  decided_at: new Date(1_000_000 - id),
  decided_by: null,
  rationale: "",
  matched,
  walked: String(walked),
});
const hits = (n: number) => Array.from({ length: n }, (_, i) => row(i, ["rationale"]));
// The walk's last decision (of 500), nothing matched.
const last = row(999, [], 500);

test("after a walk: the limit's hits, or every hit of a walk that saw every decision, are the answer", () => {
  const full = afterWalk([...hits(10), row(10, ["post"])], 10, 500, 1e6);
  expect("answer" in full && full.answer.map((h) => h.decisionId)).toEqual(hits(10).map((r) => r.decision_id));
  // No last decision: fewer decisions pass the filters than the walk would check.
  const all = afterWalk(hits(3), 10, 500, 1e6);
  expect("answer" in all && all.answer).toHaveLength(3);
  expect("answer" in all && all.answer[0]).toMatchObject({ decisionId: "d0", matched: ["rationale"], decidedAt: 1_000_000 });
  // The last decision matched (4 of 500): the walk went as far as it could, so it did not see them all.
  expect(afterWalk([...hits(3), row(999, ["post"], 500)], 10, 500, 1e6)).toEqual({ walk: 2500 });
});

test("after a walk that stopped short: a common word walks on, a rarer one or a small limit's many matches go to the indexes", () => {
  // 5 of 500 matched: 1,000 decisions for 10 matches, twice that walked; the indexes would fetch 1 % of 1M.
  expect(afterWalk([...hits(5), last], 10, 500, 1e6)).toEqual({ walk: 2000 });
  expect(afterWalk([...hits(9), last], 10, 500, 1e6)).toEqual({ walk: 1112 });
  // Nothing matched: the indexes find what there is.
  expect(afterWalk([last], 10, 500, 1e6)).toEqual({ index: true });
  // 5 of 500 with a limit of 1,000: a walk of 100,000 costs more than fetching 1 % of 1M matches.
  expect(afterWalk([...hits(5), last], 1000, 500, 1e6)).toEqual({ index: true });
  // The same share in a small store: the indexes fetch 100 matches, cheaper than any walk.
  expect(afterWalk([...hits(5), last], 10, 500, 10_000)).toEqual({ index: true });
});
