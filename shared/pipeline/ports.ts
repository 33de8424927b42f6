// What the pipeline needs from the engine, the prefilter and the policies: narrow interfaces
// so that each stage gets what it needs as arguments and unit tests can pass a named fake.
import type { Effort } from "../policy/effort.js";
import type { PolicyAction } from "../policy/policy.js";
import type { VerdictDecision } from "../policy/verdict-decision.js";
import type { TextSpan } from "../text/model-text.js";
import type { PriorityClass } from "../engine/priority.js";

/** A policy as the pipeline sees it. */
export interface PipelinePolicy {
  id: string;
  version: string;
  /** The text the model is given. */
  body: string;
  reasoningEffort: Effort;
  escalationThreshold: number;
  /** Rule ids that send a verdict to a human whatever its confidence. */
  escalateRuleIds: ReadonlySet<string>;
  /** Every rule id the policy defines (the verdict grammar allows only these). */
  ruleIds: readonly string[];
  /** What a violation does: hide, review (always a human's call) or banner. */
  onViolate: PolicyAction;
  /** A violation pages the on-call counsellor. */
  page: boolean;
}

export interface ScreenedPost {
  /** The policy-set version these policies belong to. */
  policySetVersion: string;
  /** The policies that apply to the post's forum, from one policy-set version. */
  policies: readonly PipelinePolicy[];
  /** Policies the model must decide for this post. */
  toModel: ReadonlySet<string>;
  /** What the model is sent (capped). */
  modelText: string;
  truncated: boolean;
  /** Stable text the verdict cache keys on (normalised, so obfuscations share a key); built on demand. */
  cacheText(): string;
  /** Where the prefilter found the hits of the model-bound policies (a long post's windows around them are read first); absent: none known. */
  modelHits?(): TextSpan[];
}

export interface PrefilterPort {
  /** The prefilter's routing of one post: its policies, and those the model must decide. */
  match(text: string, forumId: string): ScreenedPost;
  readonly policySetVersion: string;
  /** The policies in force for a forum (the escalation role decides again under these). */
  policiesFor(forumId: string): readonly PipelinePolicy[];
}

export interface ModelVerdict {
  policyId: string;
  policyVersion: string;
  decision: VerdictDecision;
  ruleIds: string[];
  rationale: string;
  confidence: number;
  /** Analysis-channel text: for the audit topic only. */
  reasoning: string;
  promptTokens: number;
  generatedTokens: number;
  latencyMs: number;
}

export interface ClassifyRequest {
  postText: string;
  policies: { id: string; version: string; text: string; effort: Effort; ruleIds: readonly string[] }[];
  signal?: AbortSignal;
  timeoutMs?: number;
  /** All policies in one call, a verdict each. */
  combined?: boolean;
  /** The call's class in the engine's queue (posts the prefilter sent > escalations and appeals > second look > audit samples). @defaultValue "primary" */
  priority?: PriorityClass;
  /** Run only if a sequence is idle and nothing waits; else reject at once with a retriable `EngineBusyError`. */
  onlyIfIdle?: boolean;
  /** With `onlyIfIdle`: sequences left free for higher classes; it runs only if more than this many are idle. @defaultValue 0 */
  idleReserve?: number;
  /** A call of a higher class that finds every sequence busy stops this one, which rejects with a retriable `EngineBusyError` (`EnginePreemptedError`). */
  preemptible?: boolean;
}

/** The engine's queue as a port reports it. */
export interface EngineQueue {
  depth: number;
  capacity: number;
  inFlight: number;
  sequences: number;
  /** Calls waiting for a sequence by priority class (absent: the port does not say). */
  queuedByClass?: Readonly<Record<PriorityClass, number>>;
}

export interface EnginePort {
  readonly modelId: string;
  /** Who answers, for the verdict cache: the model file's identity (`modelFileIdentity`). Absent (an engine without a file): `modelId`. */
  readonly modelIdentity?: string;
  classify(request: ClassifyRequest): Promise<ModelVerdict[]>;
  /** Requests waiting for a sequence, the bound past which callers wait, requests running and the sequences they run on. */
  queue(): EngineQueue;
}

/** The engine can take a call without making anyone wait: nothing queued, and a free sequence beyond the `reserve` left for others. */
export function engineIdleFor(queue: EngineQueue, reserve = 0): boolean {
  return queue.depth === 0 && queue.inFlight < queue.sequences - reserve;
}
