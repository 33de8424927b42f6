import { AuditSampler, inAuditSample } from "@arbiter/shared/pipeline/audit-sampler.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { ClassifyRequest, EnginePort, ModelVerdict, PipelinePolicy } from "@arbiter/shared/pipeline/ports.js";
import type { OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";

/** A fake engine the test drives: its queue is what the test sets, and each call waits to be released (or aborted). */
class FakeHeldEngine implements EnginePort {
  readonly modelId = "fake-held";
  depth = 0;
  inFlight = 0;
  sequences = 1;
  byClass: { primary: number; escalation: number; "second-look": number; audit: number } | undefined;
  started: string[] = [];
  priorities: Array<string | undefined> = [];
  aborted: string[] = [];
  private release: Array<() => void> = [];
  classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.started.push(request.postText);
    this.priorities.push(request.priority);
    return new Promise((resolve, reject) => {
      request.signal?.addEventListener("abort", () => {
        this.aborted.push(request.postText);
        reject(new Error("aborted"));
      });
      this.release.push(() =>
        resolve(
          request.policies.map((p) => ({
            policyId: p.id,
            policyVersion: p.version,
            decision: "violate",
            ruleIds: ["R1"],
            rationale: "",
            confidence: 0.8,
            reasoning: "",
            promptTokens: 0,
            generatedTokens: 0,
            latencyMs: 1,
          })),
        ),
      );
    });
  }
  finishAll(): void {
    this.release.splice(0).forEach((f) => f());
  }
  queue() {
    return { depth: this.depth, capacity: 8, inFlight: this.inFlight, sequences: this.sequences, ...(this.byClass ? { queuedByClass: this.byClass } : {}) };
  }
}

const policy = {
  id: "spam",
  version: "v1",
  body: "policy",
  reasoningEffort: "low",
  escalationThreshold: 0.5,
  escalateRuleIds: new Set<string>(),
  ruleIds: ["R1"],
  onViolate: "hide",
  page: false,
} as PipelinePolicy;
const sample = (id: string) => ({
  post: { id, forumId: "f", authorId: "a", text: id, language: null, createdAt: 0, metadata: {}, threadId: null },
  policySetVersion: "s",
  policies: [policy],
  modelText: id,
});
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe("inAuditSample", () => {
  it("takes about `rate` of the ids, always the same ones", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `post-${i}`);
    const taken = ids.filter((id) => inAuditSample(id, 0.005)).length;
    // binomial(100000, 0.005): sd ≈ 22.3; 4 sd either side.
    expect(Math.abs(taken - 500)).toBeLessThan(90);
    expect(ids.filter((id) => inAuditSample(id, 0.005)).length).toBe(taken);
    expect(inAuditSample("x", 0)).toBe(false);
    expect(inAuditSample("x", 1)).toBe(true);
  });
});

describe("AuditSampler", () => {
  function sampler(engine: FakeHeldEngine, published: OutboundRecord[], metrics = new WorkerMetrics()) {
    return new AuditSampler({
      engine,
      pipeline: { engineTimeoutMs: 1000, auditSampleRate: 0.5 },
      codecs: createCodecs(),
      topics: { audit: "audit" },
      publish: async (r) => void published.push(...r),
      metrics,
      logger: silentLogger,
      pollMs: 5,
      maxBacklog: 2,
    });
  }

  it("waits while the engine has no free sequence or anything queued, then runs one sample at a time", async () => {
    const engine = new FakeHeldEngine();
    const published: OutboundRecord[] = [];
    const s = sampler(engine, published);
    engine.inFlight = 1;
    s.offer(sample("a"));
    s.offer(sample("b"));
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.started).toEqual([]);
    engine.inFlight = 0;
    engine.depth = 1;
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.started).toEqual([]);
    engine.depth = 0;
    await until(() => engine.started.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(engine.started).toEqual(["a"]);
    engine.finishAll();
    await until(() => engine.started.length === 2);
    engine.finishAll();
    await until(() => published.length === 2);
    const audit = createCodecs().audit.decode(published[0]!.value, published[0]!.headers as Record<string, string>);
    expect(audit).toMatchObject({
      decisionId: "prefilter:s:a",
      postId: "a",
      sampled: true,
      stage: "prefilter",
      entries: [{ policyId: "spam", decision: "violate", ruleIds: ["R1"], confidence: 0.8 }],
    });
    await s.close();
  });

  it("a call queued behind a running sample preempts it; the sample runs again later; a full backlog drops new samples", async () => {
    const engine = new FakeHeldEngine();
    const metrics = new WorkerMetrics();
    const published: OutboundRecord[] = [];
    const s = sampler(engine, published, metrics);
    s.offer(sample("a"));
    await until(() => engine.started.length === 1);
    engine.depth = 1;
    await until(() => engine.aborted.length === 1);
    expect(await metrics.value("arbiter_audit_samples_dropped_total", { reason: "preempted" })).toBe(1);
    s.offer(sample("b"));
    s.offer(sample("c"));
    expect(await metrics.value("arbiter_audit_samples_dropped_total", { reason: "backlog" })).toBe(1);
    engine.depth = 0;
    await until(() => engine.started.length === 2);
    expect(engine.started).toEqual(["a", "a"]);
    engine.finishAll();
    await until(() => engine.started.length === 3);
    engine.finishAll();
    await until(() => published.length === 2);
    expect(s.missRates().get("spam")).toMatchObject({ k: 2, n: 2 });
    await s.close();
  });

  it("asks the engine at class audit, and only calls of a higher class preempt it", async () => {
    const engine = new FakeHeldEngine();
    const metrics = new WorkerMetrics();
    const published: OutboundRecord[] = [];
    const s = sampler(engine, published, metrics);
    s.offer(sample("a"));
    await until(() => engine.started.length === 1);
    expect(engine.priorities).toEqual(["audit"]);
    // Its own further calls (class audit) wait in the queue: no preemption.
    engine.depth = 1;
    engine.byClass = { primary: 0, escalation: 0, "second-look": 0, audit: 1 };
    await new Promise((r) => setTimeout(r, 40));
    expect(engine.aborted).toEqual([]);
    // A second-look call waits: the sample gives way.
    engine.byClass = { primary: 0, escalation: 0, "second-look": 1, audit: 1 };
    await until(() => engine.aborted.length === 1);
    await s.close();
  });
});
