import type { Action, Stage } from "../codec/records.js";

// A search of the store of record as one parameterised SQL statement: pure, so the SQL each
// filter adds is unit-tested, and no input ever reaches the SQL text (every value is a parameter).

export interface SearchFilters {
  /** Words in PostgreSQL's web search syntax ("quoted phrase", -not, or); empty: filters only. */
  text: string;
  policy?: string;
  /** A policy version; with `policy`, that policy's version. */
  version?: string;
  action?: Action;
  stage?: Stage;
  forum?: string;
  /** The moderator of a human decision. */
  moderator?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  limit: number;
}

/** One decision a search found. */
export interface SearchHit {
  decisionId: string;
  postId: string;
  forumId: string;
  action: string;
  stage: string;
  policies: string[];
  policyRefs: string[];
  decidedAt: number;
  decidedBy: string | null;
  rationale: string;
  /** Where the words matched: rationale, post, reasoning (empty without words). */
  matched: string[];
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** The filters' conditions on the decisions (`d`), each value a parameter of `param`. */
function filterConditions(filters: SearchFilters, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  if (filters.policy !== undefined && filters.version !== undefined)
    where.push(`d.policy_refs @> ARRAY[${param(`${filters.policy}@${filters.version}`)}]::text[]`);
  else if (filters.policy !== undefined) where.push(`d.policies @> ARRAY[${param(filters.policy)}]::text[]`);
  else if (filters.version !== undefined) where.push(`d.policy_versions @> ARRAY[${param(filters.version)}]::text[]`);
  if (filters.action !== undefined) where.push(`d.action = ${param(filters.action)}`);
  if (filters.stage !== undefined) where.push(`d.stage = ${param(filters.stage)}`);
  if (filters.forum !== undefined) where.push(`d.forum_id = ${param(filters.forum)}`);
  if (filters.moderator !== undefined) where.push(`d.decided_by = ${param(filters.moderator)}`);
  if (filters.since !== undefined) where.push(`d.decided_at >= ${param(new Date(filters.since))}`);
  if (filters.until !== undefined) where.push(`d.decided_at < ${param(new Date(filters.until))}`);
  return where;
}

function parameters(): { values: unknown[]; param: (value: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    param: (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

const COLUMNS = "d.decision_id, d.post_id, d.forum_id, d.action, d.stage, d.policies, d.policy_refs, d.decided_at, d.decided_by, d.rationale";

/** The tsqueries ORed, each a parameter; nothing matches none. */
function tsquery(queries: readonly string[], param: (value: unknown) => string): string {
  return queries.length === 0 ? "''::tsquery" : queries.map((q) => `${param(q)}::tsquery`).join(" || ");
}

/**
 * The walk: the newest `walk` decisions that pass the filters (by the time index, or the
 * forum's or the moderator's), each checked for the words in its rationale, its post and its
 * reasoning (a probe of the post's and the decision's rows), newest first; the matches, at most
 * `limit`, then the walk's last decision, matched or not, when the walk reached it (column
 * `walked`: each row's place in the walk). For a word
 * in many texts it stops at the limit's matches after a few thousand decisions, where the GIN
 * indexes fetch, join and sort every match (a common word at 1M decisions: 23,000 rows, 476 ms).
 * {@link afterWalk} reads the answer.
 */
export function walkStatement(filters: SearchFilters, queries: readonly string[], walk: number): SqlStatement {
  const { values, param } = parameters();
  const where = filterConditions(filters, param);
  const limit = param(filters.limit);
  const query = tsquery(queries, param);
  const last = param(walk);
  // The words inline in each check, not a CTE: the planner sees them. Each check a LATERAL
  // subquery with LIMIT 1, so a probe per decision walked: a hashed subquery would read every
  // match first, which is what the walk is for not doing. row_number() streams, the walk stops
  // when the outer LIMIT has its rows.
  const newest =
    `SELECT ${COLUMNS}, d.search, row_number() OVER (ORDER BY d.decided_at DESC) AS walked FROM record_decisions d` +
    ` ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")} `}ORDER BY d.decided_at DESC LIMIT ${last}`;
  return {
    text:
      `SELECT d.decision_id, d.post_id, d.forum_id, d.action, d.stage, d.policies, d.policy_refs, d.decided_at, d.decided_by, d.rationale,` +
      ` array_remove(ARRAY[p.source, CASE WHEN d.search @@ (${query}) THEN 'rationale' END, a.source], NULL) AS matched, d.walked FROM (${newest}) d` +
      ` LEFT JOIN LATERAL (SELECT 'post' AS source FROM record_posts p WHERE p.post_id = d.post_id AND p.search @@ (${query}) LIMIT 1) p ON true` +
      ` LEFT JOIN LATERAL (SELECT 'reasoning' AS source FROM record_audit a WHERE a.decision_id = d.decision_id AND a.search @@ (${query}) LIMIT 1) a ON true` +
      ` WHERE d.search @@ (${query}) OR p.source IS NOT NULL OR a.source IS NOT NULL OR d.walked = ${last}` +
      ` ORDER BY d.decided_at DESC LIMIT ${limit} + 1`,
    values,
  };
}

/**
 * Decisions the first walk checks: 10 per result asked for, at least 500 (enough to see a word in
 * 1 text in 100 a few times), at most 2,000 (what a rare word's search spends on it: 20–40 ms at
 * 1M decisions).
 */
export function firstWalk(limit: number): number {
  return Math.min(Math.max(10 * limit, 500), 2000);
}

/**
 * What a walk step costs against a match the GIN indexes fetch: measured at 1M decisions, a
 * decision walked with its two probes 20–37 µs, a match fetched, joined and sorted 24 µs; counted
 * twice, so that the walk runs where it clearly wins.
 */
const WALK_STEP_COST = 2;

/** What a search does after a walk: answer with the hits, walk further, or ask the GIN indexes ({@link searchStatement}). */
export type AfterWalk = { answer: SearchHit[] } | { walk: number } | { index: true };

/**
 * Reads a walk's rows ({@link walkStatement} over `walk` decisions; `decisions`: about how many
 * the store holds, PostgreSQL's estimate). The hits are the answer when there are `limit` of them
 * (every decision newer than the last was checked) or when the walk checked every decision that
 * passes the filters (it ended before its `walk`th decision).
 * Otherwise the share of decisions that matched says both how far a walk would go for `limit`
 * matches and how many matches the GIN indexes would fetch (that share of every decision: the
 * indexes find the words before the filters): the cheaper one is next, a walk twice as far as
 * the share says, so that a share a little lower further back still fills it.
 */
export function afterWalk(rows: readonly Record<string, unknown>[], limit: number, walk: number, decisions: number): AfterWalk {
  const hits = rows.filter((r) => (r.matched as string[]).length > 0).map(searchHit);
  if (hits.length >= limit) return { answer: hits.slice(0, limit) };
  if (!rows.some((r) => Number(r.walked) === walk)) return { answer: hits };
  if (hits.length === 0) return { index: true };
  const share = hits.length / walk;
  const walkFor = Math.ceil(limit / share);
  return walkFor * WALK_STEP_COST <= share * decisions ? { walk: 2 * walkFor } : { index: true };
}

/**
 * The statement: the decisions that pass the filters and whose rationale, post text or audit
 * reasoning matches the words, newest first. Each of the three is its own branch: the GIN index
 * finds its matches, a top-N sort keeps the limit's newest, and the merge reads at most three
 * limits' rows.
 * `queries` are the words as tsquery text parsed in each text search configuration the rows may
 * be indexed with, each distinct one once ({@link tsqueriesStatement}): the same query ORed
 * fifteen times makes the planner expect fifteen times the matches and walk the time index
 * where the GIN index finds none.
 */
export function searchStatement(filters: SearchFilters, queries: readonly string[]): SqlStatement {
  const { values, param } = parameters();
  const where = filterConditions(filters, param);
  const limit = param(filters.limit);
  const columns = COLUMNS;
  const filtered = (extra: string[]) => {
    const all = [...where, ...extra];
    return all.length === 0 ? "" : `WHERE ${all.join(" AND ")}`;
  };
  if (filters.text.trim() === "") {
    return {
      text: `SELECT ${columns}, ARRAY[]::text[] AS matched FROM record_decisions d ${filtered([])} ORDER BY d.decided_at DESC LIMIT ${limit}`,
      values,
    };
  }
  const query = tsquery(queries, param);
  // The query inline in each branch (not a CTE): the planner sees the words and estimates how many rows match.
  // Ordered by an expression, not the column: the planner cannot walk the time index hoping to
  // meet matches early. It guesses a word it has no statistics for matches 1 row in 200, so a
  // word nothing matches walked every decision (12 s at 200k); the GIN index finds the matches,
  // however few or many, and a top-N sort keeps the newest.
  const branch = (source: string, from: string, match: string) =>
    `(SELECT ${columns}, '${source}' AS source FROM ${from} ${filtered([match])} ORDER BY d.decided_at + interval '0 s' DESC LIMIT ${limit})`;
  return {
    text:
      "WITH hits AS (" +
      [
        branch("rationale", "record_decisions d", `d.search @@ (${query})`),
        branch("post", "record_posts p JOIN record_decisions d ON d.post_id = p.post_id", `p.search @@ (${query})`),
        // A decision has an audit row per policy: the GROUP BY below keeps one hit of each.
        branch("reasoning", "record_audit a JOIN record_decisions d ON d.decision_id = a.decision_id", `a.search @@ (${query})`),
      ].join(" UNION ALL ") +
      `) SELECT decision_id, post_id, forum_id, action, stage, policies, policy_refs, decided_at, decided_by, rationale, array_agg(DISTINCT source ORDER BY source) AS matched` +
      ` FROM hits GROUP BY decision_id, post_id, forum_id, action, stage, policies, policy_refs, decided_at, decided_by, rationale ORDER BY decided_at DESC LIMIT ${limit}`,
    values,
  };
}

/** The words parsed in each configuration, each distinct non-empty tsquery once (column `q`), for {@link searchStatement}. */
export function tsqueriesStatement(text: string, configs: readonly string[]): SqlStatement {
  return {
    text: "SELECT DISTINCT q FROM (SELECT websearch_to_tsquery(c::regconfig, $1)::text AS q FROM unnest($2::text[]) c) t WHERE q <> '' ORDER BY q",
    values: [text, configs],
  };
}

/** A row of {@link searchStatement}'s result as a hit. */
export function searchHit(row: Record<string, unknown>): SearchHit {
  return {
    decisionId: row.decision_id as string,
    postId: row.post_id as string,
    forumId: row.forum_id as string,
    action: row.action as string,
    stage: row.stage as string,
    policies: row.policies as string[],
    policyRefs: row.policy_refs as string[],
    decidedAt: (row.decided_at as Date).getTime(),
    decidedBy: (row.decided_by as string | null) ?? null,
    rationale: row.rationale as string,
    matched: row.matched as string[],
  };
}
