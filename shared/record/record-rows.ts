import type { Appeal, Audit, Decision, Post, Ticket } from "../codec/records.js";
import type { RecordSettings } from "./record-settings.js";

// Records → the store's rows: pure, so what lands in each column is unit-tested without PostgreSQL.

/** The text search configuration a post's text is indexed with: its language's, else the default. */
export function textSearchConfig(language: string | null | undefined, search: RecordSettings["search"]): string {
  if (!language) return search.defaultConfig;
  // "en-GB", "pt_BR": the language part.
  const code = language.toLowerCase().split(/[-_]/)[0] ?? "";
  return search.languages[code] ?? search.defaultConfig;
}

/** Every configuration the store indexes with: a search asks each of them, so a word matches in the language its row was indexed in. */
export function searchConfigs(search: RecordSettings["search"]): string[] {
  return [...new Set([search.defaultConfig, ...Object.values(search.languages)])].sort();
}

export interface PostRow {
  post_id: string;
  forum_id: string;
  author_id: string;
  language: string | null;
  ts_config: string;
  body: string;
  created_at: Date;
}

export function postRow(post: Post, search: RecordSettings["search"]): PostRow {
  return {
    post_id: post.id,
    forum_id: post.forumId,
    author_id: post.authorId,
    language: post.language,
    ts_config: textSearchConfig(post.language, search),
    body: post.text,
    created_at: new Date(post.createdAt),
  };
}

export interface DecisionRow {
  decision_id: string;
  post_id: string;
  forum_id: string;
  action: string;
  stage: string;
  policy_set_version: string;
  policies: string[];
  policy_versions: string[];
  policy_refs: string[];
  model_id: string | null;
  effort: string | null;
  decided_by: string | null;
  ticket_id: string | null;
  appeal_id: string | null;
  replay_id: string | null;
  truncated: boolean;
  unreadable: string | null;
  latency_ms: number;
  post_created_at: Date;
  decided_at: Date;
  verdicts: string;
  ts_config: string;
  rationale: string;
}

const unique = (values: string[]) => [...new Set(values)];

export function decisionRow(decision: Decision, search: RecordSettings["search"]): DecisionRow {
  const { verdicts } = decision;
  return {
    decision_id: decision.decisionId,
    post_id: decision.postId,
    forum_id: decision.forumId,
    action: decision.action,
    stage: decision.stage,
    policy_set_version: decision.policySetVersion,
    policies: unique(verdicts.map((v) => v.policyId)),
    policy_versions: unique(verdicts.map((v) => v.policyVersion)),
    policy_refs: unique(verdicts.map((v) => `${v.policyId}@${v.policyVersion}`)),
    model_id: decision.modelId,
    effort: decision.effort,
    decided_by: decision.decidedBy ?? null,
    ticket_id: decision.ticketId,
    appeal_id: decision.appealId,
    replay_id: decision.replayId,
    truncated: decision.truncated,
    unreadable: decision.unreadable,
    latency_ms: Math.round(decision.latencyMs),
    post_created_at: new Date(decision.postCreatedAt),
    decided_at: new Date(decision.decidedAt),
    verdicts: JSON.stringify(verdicts),
    // Rationales are the model's (or the moderator's) words, in the deployment's language.
    ts_config: search.defaultConfig,
    rationale: verdicts
      .map((v) => v.rationale)
      .filter((r) => r !== "")
      .join("\n"),
  };
}

export interface AuditRow {
  decision_id: string;
  policy_id: string;
  policy_version: string;
  post_id: string;
  stage: string;
  model_id: string | null;
  verdict: string | null;
  rule_ids: string[];
  confidence: number | null;
  prompt_tokens: number;
  generated_tokens: number;
  latency_ms: number;
  error: string | null;
  sampled: boolean;
  created_at: Date;
  ts_config: string;
  reasoning: string;
}

/** One row per policy entry; a policy read twice for one decision keeps its last entry (the key is decision and policy). */
export function auditRows(audit: Audit, search: RecordSettings["search"]): AuditRow[] {
  const byPolicy = new Map<string, AuditRow>();
  for (const entry of audit.entries)
    byPolicy.set(entry.policyId, {
      decision_id: audit.decisionId,
      policy_id: entry.policyId,
      policy_version: entry.policyVersion,
      post_id: audit.postId,
      stage: audit.stage,
      model_id: audit.modelId,
      verdict: entry.decision,
      rule_ids: entry.ruleIds,
      confidence: entry.confidence,
      prompt_tokens: entry.promptTokens,
      generated_tokens: entry.generatedTokens,
      latency_ms: Math.round(entry.latencyMs),
      error: entry.error,
      sampled: audit.sampled,
      created_at: new Date(audit.createdAt),
      ts_config: search.defaultConfig,
      reasoning: entry.reasoning,
    });
  return [...byPolicy.values()];
}

export interface TicketRow {
  ticket_id: string;
  decision_id: string;
  post_id: string;
  forum_id: string;
  stage: string;
  reason: string;
  policy_set_version: string;
  appeal_id: string | null;
  verdicts: string;
  reasoning: string;
  created_at: Date;
}

export function ticketRow(ticket: Ticket): TicketRow {
  return {
    ticket_id: ticket.ticketId,
    decision_id: ticket.decisionId,
    post_id: ticket.post.id,
    forum_id: ticket.post.forumId,
    stage: ticket.stage,
    reason: ticket.reason,
    policy_set_version: ticket.policySetVersion,
    appeal_id: ticket.appealId,
    verdicts: JSON.stringify(ticket.verdicts),
    reasoning: JSON.stringify(ticket.reasoning),
    created_at: new Date(ticket.createdAt),
  };
}

export interface AppealRow {
  appeal_id: string;
  post_id: string;
  forum_id: string;
  policy_ids: string[];
  requested_by: string;
  note: string;
  requested_at: Date;
}

export function appealRow(appeal: Appeal): AppealRow {
  return {
    appeal_id: appeal.appealId,
    post_id: appeal.post.id,
    forum_id: appeal.post.forumId,
    policy_ids: appeal.policyIds,
    requested_by: appeal.requestedBy,
    note: appeal.note,
    requested_at: new Date(appeal.requestedAt),
  };
}
