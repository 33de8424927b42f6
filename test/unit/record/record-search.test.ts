import { searchStatement } from "@arbiter/shared/record/record-search.js";

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
