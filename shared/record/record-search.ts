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
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
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
  const limit = param(filters.limit);
  const columns = "d.decision_id, d.post_id, d.forum_id, d.action, d.stage, d.policies, d.policy_refs, d.decided_at, d.decided_by, d.rationale";
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
  const query = queries.length === 0 ? "''::tsquery" : queries.map((q) => `${param(q)}::tsquery`).join(" || ");
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
