import type { Decision } from "@arbiter/shared/codec/records.js";
import type { InboundRecord, OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "@arbiter/shared/kafka/record-processor.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { ReplayProcessor, type ReplayScope } from "@arbiter/shared/replay/replay-processor.js";

const codecs = createCodecs();
const topics = {
  posts: "posts",
  decisions: "decisions",
  audit: "audit",
  escalations: "escalations",
  tickets: "tickets",
  dlq: "dlq",
  appeals: "appeals",
  shadow: "shadow",
};

function decision(postId: string, forumId: string): Decision {
  return {
    decisionId: `primary:s:${postId}`,
    postId,
    forumId,
    action: "HIDE",
    stage: "primary",
    policySetVersion: "s",
    verdicts: [
      {
        policyId: "spam",
        policyVersion: "v2",
        decision: "violate",
        ruleIds: ["SP2"],
        confidence: 0.9,
        rationale: "",
        source: "model",
        escalate: false,
        onViolate: "hide",
        page: false,
      },
    ],
    modelId: "m",
    effort: "low",
    latencyMs: 1,
    truncated: false,
    postCreatedAt: 0,
    decidedAt: 0,
    replayId: null,
    ticketId: null,
    appealId: null,
    unreadable: null,
  };
}

/** A fake pipeline: each record's key names the post and its forum ("post/forum"); odd offsets are deferred (model-bound), with an audit record beside the decision. */
class FakePipeline implements RecordProcessor {
  seen: string[] = [];
  async processBatch(records: readonly InboundRecord[]): Promise<RecordResult[]> {
    return records.map((r) => {
      this.seen.push(r.offset);
      const [postId, forumId] = r.key!.toString().split("/") as [string, string];
      const outputs: OutboundRecord[] = [
        { topic: "decisions", key: postId, ...codecs.decision.encode(decision(postId, forumId)) },
        { topic: "audit", key: postId, value: Buffer.from("x"), headers: {} },
      ];
      return Number(r.offset) % 2 === 1 ? { kind: "deferred", run: async () => outputs } : { kind: "ready", outputs };
    });
  }
}

const record = (partition: number, offset: number, key: string): InboundRecord => ({
  topic: "posts",
  partition,
  offset: String(offset),
  key: Buffer.from(key),
  value: Buffer.from("{}"),
  headers: {},
});

async function outputsOf(processor: ReplayProcessor, records: InboundRecord[]): Promise<OutboundRecord[][]> {
  const results = await processor.processBatch(records, new AbortController().signal);
  return Promise.all(results.map((r) => (r.kind === "ready" ? r.outputs : r.run(new AbortController().signal))));
}

const decoded = (o: OutboundRecord) => codecs.decision.decode(o.value, o.headers as Record<string, Buffer>);

describe("ReplayProcessor", () => {
  const scope: ReplayScope = { replayId: "r-1", ranges: [{ partition: 0, start: "2", end: "5" }], forumId: null, apply: false };

  it("decides only the records in the range; writes stage-replay decisions tagged with the replay id to the shadow topic, nothing else", async () => {
    const inner = new FakePipeline();
    const out = await outputsOf(
      new ReplayProcessor(inner, scope, codecs, topics),
      [1, 2, 3, 4, 5].map((o) => record(0, o, `p${o}/games`)).concat([record(1, 3, "q3/games")]),
    );
    expect(inner.seen).toEqual(["2", "3", "4"]);
    expect(out.map((o) => o.length)).toEqual([0, 1, 1, 1, 0, 0]);
    for (const [o] of out.filter((x) => x.length > 0)) {
      expect(o!.topic).toBe("shadow");
      expect(decoded(o!)).toMatchObject({ stage: "replay", replayId: "r-1", action: "HIDE" });
      expect(decoded(o!).decisionId).toMatch(/^replay:s:p\d:[0-9a-f]{12}:r-1$/);
    }
  });

  it("drops other forums' posts; with apply, writes to the decisions topic too, except for posts a moderator decided", async () => {
    const applied = new ReplayProcessor(new FakePipeline(), { ...scope, forumId: "games", apply: true, humanDecided: new Set(["p3"]) }, codecs, topics);
    const out = await outputsOf(applied, [record(0, 2, "p2/games"), record(0, 3, "p3/games"), record(0, 4, "p4/cooking")]);
    expect(out.map((o) => o.map((x) => `${x.topic}:${String(x.key)}`))).toEqual([["shadow:p2", "decisions:p2"], ["shadow:p3"], []]);
  });
});
