/** The records Arbiter reads and writes, as TypeScript sees them (Avro schemas in ./schemas). */

import type { PolicyAction } from "../policy/policy.js";
import type { VerdictDecision } from "../policy/verdict-decision.js";

export type VerdictSource = "prefilter" | "model" | "cache" | "failure" | "human";
/** BANNER (decision v2): the post stays visible under a crisis-line banner. */
export type Action = "ALLOW" | "HIDE" | "REVIEW" | "BANNER";
/** Where a decision was made. second_look (decision v4): the model's second look at a post the prefilter allowed (Avro symbols allow no hyphen). */
export const STAGES = ["prefilter", "primary", "escalation", "human", "replay", "appeal", "second_look"] as const;
export type Stage = (typeof STAGES)[number];
export type EscalationReason = "LOW_CONFIDENCE" | "POLICY_RULE" | "ENGINE_FAILURE";

export interface Post {
  id: string;
  forumId: string;
  authorId: string;
  text: string;
  language: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  metadata: Record<string, string>;
  threadId?: string | null;
}

export interface PolicyVerdict {
  policyId: string;
  policyVersion: string;
  decision: VerdictDecision;
  ruleIds: string[];
  /** Measured probability of `decision`, 0..1. */
  confidence: number;
  /** At most two sentences for moderators; never the chain of thought. */
  rationale: string;
  source: VerdictSource;
  escalate: boolean;
  /** The policy's action on violate (decision v2; older records read as "hide"). */
  onViolate: PolicyAction;
  /** The policy pages the on-call counsellor on violate (decision v2; older records: false). */
  page: boolean;
}

export interface Decision {
  decisionId: string;
  postId: string;
  forumId: string;
  action: Action;
  stage: Stage;
  /** Version of the policy set in force; its policies not in `verdicts` allowed the post at the prefilter. */
  policySetVersion: string;
  /** Verdicts of the policies that went past the prefilter (model, cache or failure). */
  verdicts: PolicyVerdict[];
  modelId: string | null;
  effort: string | null;
  latencyMs: number;
  /** The model did not read all of the post (past `pipeline.maxWindows`, or it stopped at a violation); such a decision is never an ALLOW. */
  truncated: boolean;
  /** Windows of the post the model read for this decision (decision v3; 0: none, older records: 0). */
  windowsRead?: number;
  postCreatedAt: number;
  decidedAt: number;
  replayId: string | null;
  /** Stage human: the ticket the moderator closed (decision v2). */
  ticketId: string | null;
  /** Stage appeal: the appeal this decision answers (decision v2). */
  appealId: string | null;
  /**
   * Set when the post could not be read and was decided unread (`input.onUnreadable`): where it
   * failed and why (decision v3; null: the post was read, older records read as null).
   */
  unreadable: string | null;
  /** Stage human: the moderator who decided (decision v3; null, or absent, for every other stage and older records). */
  decidedBy?: string | null;
}

export interface AuditEntry {
  policyId: string;
  policyVersion: string;
  reasoning: string;
  promptTokens: number;
  generatedTokens: number;
  latencyMs: number;
  error: string | null;
  /** The model's verdict (null: an engine failure; records before schema v2 read as null). */
  decision: VerdictDecision | null;
  ruleIds: string[];
  confidence: number | null;
}

export interface Audit {
  decisionId: string;
  postId: string;
  stage: Stage;
  modelId: string | null;
  entries: AuditEntry[];
  createdAt: number;
  /** Funnel audit sampling: the prefilter allowed the post and the model read it only to measure what the keywords miss. */
  sampled: boolean;
}

export interface Escalation {
  escalationId: string;
  post: Post;
  verdicts: PolicyVerdict[];
  reason: EscalationReason;
  detail: string;
  policyIds: string[];
  attempts: number;
  escalatedAt: number;
}

/** The reasoning of the model call that raised a ticket, for one policy. */
export interface TicketReasoning {
  policyId: string;
  policyVersion: string;
  reasoning: string;
}

export interface Ticket {
  ticketId: string;
  /** The decision published with the ticket (v1 tickets: ""). */
  decisionId: string;
  post: Post;
  verdicts: PolicyVerdict[];
  reason: string;
  /** escalation or appeal (v1 tickets: escalation). */
  stage: Stage;
  /** v1 tickets: "". */
  policySetVersion: string;
  /** Moderators read tickets, the product does not: the reasoning travels with them (v1 tickets: none). */
  reasoning: TicketReasoning[];
  appealId: string | null;
  createdAt: number;
}

/** A request to decide a post again at the escalation tier. */
export interface Appeal {
  appealId: string;
  post: Post;
  /** Empty: every policy of the post's forum. */
  policyIds: string[];
  /** `moderator:<name>` or `user:<id>`. */
  requestedBy: string;
  note: string;
  requestedAt: number;
}

/** The HTTP call a sink's record ended with (dead letter v2). */
export interface HttpExchange {
  method: string;
  /** Without query string or userinfo. */
  url: string;
  /** 0: no response. */
  status: number;
  /** The first 4 KiB. */
  body: string;
}

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  errorClass: string;
  errorMessage: string;
  /** Where it failed: decode | validate | process. */
  stage: string;
  attempts: number;
  firstSeenAt: number;
  /** A sink's call that failed for good (dead letter v2). */
  response?: HttpExchange | null;
}

export interface RecordTypes {
  post: Post;
  decision: Decision;
  audit: Audit;
  escalation: Escalation;
  ticket: Ticket;
  appeal: Appeal;
  deadLetter: DeadLetter;
}
export type RecordKind = keyof RecordTypes;
