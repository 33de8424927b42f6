import type { Decision } from "../codec/records.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import { decisionId } from "../codec/decision-identity.js";
import type { PrefilterPort, ScreenedPost } from "../pipeline/index.js";
import type { Codecs } from "../codec/codecs.js";
import type { PartitionRange } from "./replay-range.js";

/** Where a replay's or shadow run's decisions go, and which records it decides. */
export interface ReplayScope {
  /** Names the run on every decision it writes. */
  replayId: string;
  /** Records outside these offsets pass without outputs (null: every record, as a shadow run). */
  ranges: readonly PartitionRange[] | null;
  /** Only posts of this forum (null: every forum). */
  forumId: string | null;
  /** Also to the decisions topic, so sinks act on the flips. */
  apply: boolean;
  /** Posts a moderator decided: a human decision always wins, so with `apply` their replayed decisions go to the shadow topic only. */
  humanDecided?: ReadonlySet<string>;
}

/** A prefilter that sends no post of another forum to the model: the replay drops those posts' decisions anyway. */
export class ForumScopedPrefilter implements PrefilterPort {
  constructor(
    private readonly inner: PrefilterPort,
    private readonly forumId: string,
  ) {}

  get policySetVersion(): string {
    return this.inner.policySetVersion;
  }

  match(text: string, forumId: string): ScreenedPost {
    if (forumId === this.forumId) return this.inner.match(text, forumId);
    return { policySetVersion: this.inner.policySetVersion, policies: [], toModel: new Set(), modelText: "", truncated: false, cacheText: () => "" };
  }

  policiesFor(forumId: string) {
    return forumId === this.forumId ? this.inner.policiesFor(forumId) : [];
  }
}

/**
 * The worker's pipeline under a candidate policy set, its outputs turned into replay decisions:
 * each decision tagged with the replay id at stage `replay` goes to the shadow topic (and with
 * `apply` to the decisions topic); audit records, escalations, tickets and dead letters are not
 * written (a replay changes nothing but decisions).
 */
export class ReplayProcessor implements RecordProcessor {
  private readonly ranges: Map<number, { start: bigint; end: bigint }> | null;

  constructor(
    private readonly inner: RecordProcessor,
    private readonly scope: ReplayScope,
    private readonly codecs: Codecs,
    private readonly topics: TopicNames,
    private readonly onDecision: (decision: Decision) => void = () => undefined,
  ) {
    this.ranges = scope.ranges === null ? null : new Map(scope.ranges.map((r) => [r.partition, { start: BigInt(r.start), end: BigInt(r.end) }]));
  }

  private inRange(record: InboundRecord): boolean {
    if (this.ranges === null) return true;
    const range = this.ranges.get(record.partition);
    const offset = BigInt(record.offset);
    return range !== undefined && offset >= range.start && offset < range.end;
  }

  async processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]> {
    const wanted = records.filter((r) => this.inRange(r));
    const results = wanted.length > 0 ? await this.inner.processBatch(wanted, signal) : [];
    let next = 0;
    return records.map((record): RecordResult => {
      if (wanted[next] !== record) return { kind: "ready", outputs: [] };
      const result = results[next++]!;
      if (result.kind === "ready") return { kind: "ready", outputs: this.rewrite(result.outputs) };
      return { kind: "deferred", run: async (s) => this.rewrite(await result.run(s)) };
    });
  }

  private rewrite(outputs: readonly OutboundRecord[]): OutboundRecord[] {
    const record = outputs.find((o) => o.topic === this.topics.decisions);
    if (!record) return [];
    const original = this.codecs.decision.decode(record.value, record.headers as Record<string, Buffer>);
    if (this.scope.forumId !== null && original.forumId !== this.scope.forumId) return [];
    const decision: Decision = {
      ...original,
      stage: "replay",
      replayId: this.scope.replayId,
      decisionId: `${decisionId(original.postId, original.policySetVersion, original.verdicts, "replay")}:${this.scope.replayId}`,
    };
    this.onDecision(decision);
    const encoded = this.codecs.decision.encode(decision);
    const out: OutboundRecord[] = [{ topic: this.topics.shadow, key: decision.postId, ...encoded }];
    if (this.scope.apply && !this.scope.humanDecided?.has(decision.postId)) out.push({ topic: this.topics.decisions, key: decision.postId, ...encoded });
    return out;
  }
}
