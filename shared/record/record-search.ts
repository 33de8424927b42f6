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
 * reasoning matches the words, newest first. Each of the three is its own branch, each ordered
 * by time and cut at the limit on its own (a GIN index scan, or the time index when the words
 * are common), so the merge reads at most three limits' rows. `configs` are the text search
 * configurations the rows were indexed with: the query is parsed with each and ORed.
 */
export function searchStatement(filters: SearchFilters, configs: readonly string[]): SqlStatement {
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
  const words = param(filters.text);
  const query = configs.map((config) => `websearch_to_tsquery(${param(config)}::regconfig, ${words})`).join(" || ");
  const branch = (source: string, match: string) =>
    `(SELECT ${columns}, '${source}' AS source FROM record_decisions d ${filtered([match])} ORDER BY d.decided_at DESC LIMIT ${limit})`;
  return {
    text:
      `WITH q AS MATERIALIZED (SELECT ${query} AS q), hits AS (` +
      [
        branch("rationale", "d.search @@ (SELECT q FROM q)"),
        branch("post", "EXISTS (SELECT 1 FROM record_posts p WHERE p.post_id = d.post_id AND p.search @@ (SELECT q FROM q))"),
        branch("reasoning", "EXISTS (SELECT 1 FROM record_audit a WHERE a.decision_id = d.decision_id AND a.search @@ (SELECT q FROM q))"),
      ].join(" UNION ALL ") +
      `) SELECT decision_id, post_id, forum_id, action, stage, policies, policy_refs, decided_at, decided_by, rationale, array_agg(DISTINCT source ORDER BY source) AS matched` +
      ` FROM hits GROUP BY decision_id, post_id, forum_id, action, stage, policies, policy_refs, decided_at, decided_by, rationale ORDER BY decided_at DESC LIMIT ${limit}`,
    values,
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
