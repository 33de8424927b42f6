import type { Appeal, Escalation, PolicyVerdict, Post } from "../codec/records.js";
import { decide } from "./decide.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import { classifyWithRetries, deadLetter, guarded, type ProcessorDeps } from "./post-processor.js";
import { publishable } from "./output-records.js";
import { readInWindows, windowsFor } from "./windowed-read.js";
import type { PipelinePolicy } from "./ports.js";

/** What the escalation tier decides again: from an escalation, or from an appeal (every policy of the forum unless it names some). */
interface Redecision {
  post: Post;
  policyIds: readonly string[];
  earlier: readonly PolicyVerdict[];
  appealId: string | null;
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
      return { post: escalation.post, policyIds: escalation.policyIds, earlier: escalation.verdicts, appealId: null };
    }
    const appeal: Appeal = this.deps.codecs.appeal.decode(record.value, record.headers);
    const policyIds = appeal.policyIds.length > 0 ? appeal.policyIds : this.deps.prefilter.policiesFor(appeal.post.forumId).map((p) => p.id);
    return { post: appeal.post, policyIds, earlier: [], appealId: appeal.appealId };
  }

  private async decide(redecision: Redecision, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    const started = performance.now();
    const { post } = redecision;
    // Read together, before the model call: a policy switch during the call must not rename the set these versions belong to.
    const policySetVersion = deps.prefilter.policySetVersion;
    const current = new Map(deps.prefilter.policiesFor(post.forumId).map((p) => [p.id, p]));
    // Decide again under the current version of each escalated policy; one removed since is a human's call.
    const policies: PipelinePolicy[] = redecision.policyIds.flatMap((id) => current.get(id) ?? []);
    const missing = redecision.policyIds.filter((id) => !current.has(id));
    // A long post is read in windows, those around the prefilter's hits first.
    const hits =
      policies.length > 0 && post.text.length > deps.pipeline.maxModelChars ? deps.prefilter.match(post.text, post.forumId).modelHits?.() : undefined;
    const read =
      policies.length > 0
        ? await readInWindows(post.text, policies, windowsFor(post.text, deps.pipeline, hits), (text, asked) =>
            classifyWithRetries(deps, post.id, text, asked, deps.pipeline.effort ?? "high", signal),
          )
        : { outcomes: [], windowsRead: 0, truncated: false };
    const { outcomes } = read;
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
      effort: deps.pipeline.effort ?? "high",
      latencyMs: performance.now() - started,
      truncated: read.truncated,
      windowsRead: read.windowsRead,
      now: this.now(),
      earlier: redecision.earlier,
      appealId: redecision.appealId,
    });
    return publishable(deps, out);
  }
}
