import type { Appeal, Escalation, PolicyVerdict, Post } from "../codec/records.js";
import { decide } from "./decide.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import { classifyWithRetries, deadLetter, guarded, type ProcessorDeps } from "./post-processor.js";
import { publishable } from "./output-records.js";
import { readInWindows, windowsFor } from "./windowed-read.js";
import type { PipelinePolicy } from "./ports.js";
import type { PostRecord } from "./post-records.js";
import type { VerdictOutcome } from "./verdict-outcome.js";
import { RetryPolicy } from "../retry/retry-policy.js";

/** What the escalation tier decides again: from an escalation, or from an appeal (every policy of the forum unless it names some). */
interface Redecision {
  post: Post;
  policyIds: readonly string[];
  earlier: readonly PolicyVerdict[];
  appealId: string | null;
  /** An appeal: what it brought is only a request, checked against Arbiter's record of the post. */
  appeal: Appeal | null;
}

/** Where the appeals read what Arbiter kept of the posts it acted on. */
export interface PostRecordReader {
  get(postId: string): Promise<PostRecord | null>;
}

/** What an appeal is decided on: the post's own record, and what the appeal adds. */
type AppealBasis =
  | { kind: "record"; post: Post; policyIds: string[]; texts: string[] }
  /** No record (Arbiter never acted on the post, the record expired, Redis did not answer): a moderator decides. */
  | { kind: "no-record"; why: string };

// Redis away: a few tries over about 3 s, then the appeal goes to a moderator rather than wait or guess.
const RECORD_READS = new RetryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5, retryOn: () => true });

/** Which of two outcomes for one policy stands: a violation over a failure over an allow; the first on a tie. */
function outcomeRank(outcome: VerdictOutcome): number {
  if (outcome.kind === "failure") return 2;
  if (outcome.kind === "prefilter") return 0;
  return outcome.verdict.decision === "violate" ? 3 : 1;
}

/**
 * The escalation role: escalations -> the larger model at high effort -> the final decision
 * (stage escalation), and a ticket for what is still unsure or what a policy sends to humans.
 * Over the appeals topic (`source` "appeals") the same, at stage appeal.
 */
export class EscalationProcessor implements RecordProcessor {
  private readonly now: () => number;

  constructor(
    private readonly deps: Omit<ProcessorDeps, "cache">,
    private readonly source: "escalations" | "appeals" = "escalations",
    /** Appeals: Arbiter's record of each post (null: none kept, so every appeal goes to a moderator). */
    private readonly postRecords: PostRecordReader | null = null,
  ) {
    this.now = deps.now ?? Date.now;
  }

  async processBatch(records: readonly InboundRecord[]): Promise<RecordResult[]> {
    const { deps } = this;
    deps.metrics.consumed.inc({ topic: this.source }, records.length);
    return records.map((record): RecordResult => {
      let redecision: Redecision;
      try {
        redecision = this.read(record);
      } catch (error) {
        return { kind: "ready", outputs: [deadLetter(deps, record, error as Error, "decode", this.now())] };
      }
      return guarded(deps, record, (signal) => this.decide(redecision, signal));
    });
  }

  private read(record: InboundRecord): Redecision {
    if (!record.value) throw Object.assign(new Error("empty record value"), { code: "MALFORMED" });
    if (this.source === "escalations") {
      const escalation: Escalation = this.deps.codecs.escalation.decode(record.value, record.headers);
      return { post: escalation.post, policyIds: escalation.policyIds, earlier: escalation.verdicts, appealId: null, appeal: null };
    }
    const appeal: Appeal = this.deps.codecs.appeal.decode(record.value, record.headers);
    return { post: appeal.post, policyIds: appeal.policyIds, earlier: [], appealId: appeal.appealId, appeal };
  }

  /**
   * An appeal decides the post itself: its text as Arbiter moderated it, under at least every
   * policy that acted on it. The appeal's policies (none: every policy of the post's forum) and,
   * when it differs, its text are decided too, and can only add a violation: an appeal naming
   * another policy, or bringing other text, can never clear the one that hid the post.
   */
  private async appealBasis(appeal: Appeal, signal: AbortSignal): Promise<AppealBasis> {
    if (!this.postRecords) return { kind: "no-record", why: "this worker keeps no record of posts" };
    let record: PostRecord | null;
    try {
      record = await RECORD_READS.run(() => this.postRecords!.get(appeal.post.id), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      this.deps.logger.error({ postId: appeal.post.id, err: (error as Error).message }, "could not read the post's record; the appeal goes to a moderator");
      return { kind: "no-record", why: "the record of the post could not be read" };
    }
    if (!record) return { kind: "no-record", why: "Arbiter keeps no record of acting on this post" };
    const asked = appeal.policyIds.length > 0 ? appeal.policyIds : this.deps.prefilter.policiesFor(record.post.forumId).map((p) => p.id);
    const policyIds = [...new Set([...record.policyIds, ...asked])];
    const texts = appeal.post.text === record.post.text ? [record.post.text] : [record.post.text, appeal.post.text];
    return { kind: "record", post: record.post, policyIds, texts };
  }

  private async decide(redecision: Redecision, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    const started = performance.now();
    let { post, policyIds } = redecision;
    let texts = [post.text];
    let noRecord: string | null = null;
    if (redecision.appeal) {
      const basis = await this.appealBasis(redecision.appeal, signal);
      if (basis.kind === "record") ({ post, policyIds, texts } = basis);
      else {
        noRecord = basis.why;
        texts = [];
        if (policyIds.length === 0) policyIds = deps.prefilter.policiesFor(post.forumId).map((p) => p.id);
      }
    }
    // Read together, before the model call: a policy switch during the call must not rename the set these versions belong to.
    const policySetVersion = deps.prefilter.policySetVersion;
    const current = new Map(deps.prefilter.policiesFor(post.forumId).map((p) => [p.id, p]));
    // Decide again under the current version of each escalated policy; one removed since is a human's call.
    const policies: PipelinePolicy[] = policyIds.flatMap((id) => current.get(id) ?? []);
    const missing = policyIds.filter((id) => !current.has(id));
    let truncated = false;
    let windowsRead = 0;
    let outcomes: VerdictOutcome[] = [];
    for (const whole of policies.length > 0 ? texts : []) {
      // A long post is read in windows, those around the prefilter's hits first.
      const hits = whole.length > deps.pipeline.maxModelChars ? deps.prefilter.match(whole, post.forumId).modelHits?.() : undefined;
      const read = await readInWindows(whole, policies, windowsFor(whole, deps.pipeline, hits), (text, asked) =>
        classifyWithRetries(deps, post.id, text, asked, deps.pipeline.effort ?? "high", signal, "escalation"),
      );
      truncated ||= read.truncated;
      windowsRead += read.windowsRead;
      outcomes =
        outcomes.length === 0
          ? read.outcomes
          : outcomes.map((o) => read.outcomes.find((r) => r.policyId === o.policyId && outcomeRank(r) > outcomeRank(o)) ?? o);
    }
    if (noRecord !== null)
      outcomes = policies.map((p) => ({
        kind: "failure" as const,
        policyId: p.id,
        errorClass: "NoPostRecord",
        message: `${noRecord}: a moderator decides (the appeal's own text is not trusted)`,
        attempts: 0,
      }));
    const failedPolicies = missing.map((id) => ({
      kind: "failure" as const,
      policyId: id,
      errorClass: "PolicyRemoved",
      message: `policy ${id} is no longer loaded`,
      attempts: 0,
    }));
    const placeholder = missing.map((id): PipelinePolicy => ({
      id,
      version: "removed",
      body: "",
      reasoningEffort: "high",
      escalationThreshold: 1,
      escalateRuleIds: new Set(),
      ruleIds: [],
      onViolate: "hide",
      page: false,
    }));
    const out = decide({
      post,
      policies: [...policies, ...placeholder],
      outcomes: [...outcomes, ...failedPolicies],
      stage: this.source === "appeals" ? "appeal" : "escalation",
      policySetVersion,
      modelId: deps.engine.modelId,
      effort: noRecord === null ? (deps.pipeline.effort ?? "high") : null,
      latencyMs: performance.now() - started,
      truncated,
      windowsRead,
      now: this.now(),
      earlier: redecision.earlier,
      appealId: redecision.appealId,
    });
    return publishable(deps, out);
  }
}
