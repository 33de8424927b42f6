/** The records Arbiter reads and writes, as TypeScript sees them (Avro schemas in ./schemas). */

export type VerdictDecision = "violate" | "allow";
export type VerdictSource = "prefilter" | "model" | "cache" | "failure";
export type Action = "ALLOW" | "HIDE" | "REVIEW";
export type Stage = "prefilter" | "primary" | "escalation" | "human" | "replay";
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
  truncated: boolean;
  postCreatedAt: number;
  decidedAt: number;
  replayId: string | null;
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

export interface Ticket {
  ticketId: string;
  post: Post;
  verdicts: PolicyVerdict[];
  reason: string;
  createdAt: number;
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
}

export interface RecordTypes {
  post: Post;
  decision: Decision;
  audit: Audit;
  escalation: Escalation;
  ticket: Ticket;
  deadLetter: DeadLetter;
}
export type RecordKind = keyof RecordTypes;
