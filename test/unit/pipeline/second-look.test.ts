import path from "node:path";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { inputSchema } from "@arbiter/shared/codec/codec-settings.js";
import type { Audit, Decision, Post } from "@arbiter/shared/codec/records.js";
import { EngineBusyError } from "@arbiter/shared/engine/errors/engine-busy-error.js";
import type { InboundRecord, OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { RecordResult } from "@arbiter/shared/kafka/record-processor.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { inAuditSample } from "@arbiter/shared/pipeline/audit-sampler.js";
import { PolicyPrefilter, SecondLookProcessor } from "@arbiter/shared/pipeline/index.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { repoRoot } from "../../support/env.js";

/**
 * An engine port the test drives, standing for the real one: one sequence; a call holds it until
 * the test releases it (or at once with `autoRelease`); `onlyIfIdle` is refused as the real
 * engine refuses it. It says violate for a post whose text holds "hidden-violation".
 */
class DrivenEngine implements EnginePort {
  readonly modelId = "driven";
  /** Calls of other classes waiting (the test sets it to make the engine busy). */
  otherWaiting = 0;
  /** Calls of other classes running (the test sets it). */
  otherRunning = 0;
  sequences = 1;
  inFlight = 0;
  autoRelease = true;
  readonly requests: ClassifyRequest[] = [];
  private readonly held: Array<() => void> = [];

  queue() {
    return { depth: this.otherWaiting, capacity: 8, inFlight: this.inFlight + this.otherRunning, sequences: this.sequences };
  }

  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    // As SequencePool.hasIdleSequence(idleReserve) refuses it.
    if (request.onlyIfIdle && !(this.otherWaiting === 0 && this.inFlight + this.otherRunning < this.sequences - (request.idleReserve ?? 0)))
      throw new EngineBusyError();
    this.requests.push(request);
    this.inFlight += 1;
    try {
      if (!this.autoRelease) await new Promise<void>((resolve) => this.held.push(resolve));
    } finally {
      this.inFlight -= 1;
    }
    const violate = request.postText.includes("hidden-violation");
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: violate && p.id === "test-cheats" ? "violate" : "allow",
      ruleIds: violate && p.id === "test-cheats" ? ["CH1"] : [],
      rationale: "r",
      confidence: 0.95,
      reasoning: "chain of thought",
      promptTokens: 1,
      generatedTokens: 1,
      latencyMs: 1,
    }));
  }

  releaseOne(): void {
    this.held.shift()?.();
  }
}

const codecs = createCodecs();
const MINUTE = 60_000;
const NOW = 1_000 * MINUTE;

function record(post: Partial<Post> & { id: string; text: string }, offset = 0): InboundRecord {
  const full: Post = { forumId: "gaming", authorId: "a", language: null, createdAt: NOW - MINUTE, metadata: {}, threadId: null, ...post };
  const { value, headers } = codecs.post.encode(full);
  return { topic: "posts", partition: 0, offset: String(offset), key: Buffer.from(full.id), value, headers: { ...headers } };
}

async function setup(options: { auditSampleRate?: number; now?: () => number; reserveSequences?: number } = {}) {
  const set = await loadPolicySet(path.join(repoRoot, "test/fixtures/policies"));
  const engine = new DrivenEngine();
  const metrics = new WorkerMetrics();
  const log = capturedLogger();
  const processor = new SecondLookProcessor({
    codecs,
    topics: {
      posts: "posts",
      decisions: "decisions",
      audit: "audit",
      escalations: "escalations",
      tickets: "tickets",
      appeals: "appeals",
      shadow: "shadow",
      dlq: "dlq",
    },
    input: inputSchema.parse({}),
    pipeline: { engineTimeoutMs: 1000, auditSampleRate: options.auditSampleRate ?? 0, effort: null, combinePolicies: false },
    secondLook: { maxAgeMinutes: 60, pollMs: 2, reserveSequences: options.reserveSequences ?? 0 },
    engine,
    prefilter: new PolicyPrefilter(set, { defaultEffort: "low" }),
    metrics,
    logger: log.logger,
    now: options.now ?? (() => NOW),
  });
  return { engine, metrics, log, processor, psv: set.version };
}

const signal = new AbortController().signal;
const run = (result: RecordResult): Promise<OutboundRecord[]> => (result.kind === "ready" ? Promise.resolve(result.outputs) : result.run(signal));
const on = (outputs: OutboundRecord[], topic: string) => outputs.filter((o) => o.topic === topic);
const audit = (o: OutboundRecord): Audit => codecs.audit.decode(o.value, o.headers as Record<string, string>);
const decision = (o: OutboundRecord): Decision => codecs.decision.decode(o.value, o.headers as Record<string, string>);
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
};

test("takes only the prefilter's allows: a violation is a decision at stage second_look, an allow only an audit record", async () => {
  const { engine, metrics, processor, psv } = await setup();
  const results = await processor.processBatch(
    [
      record({ id: "clean", text: "good game everyone" }),
      record({ id: "sent", text: "selling an aimbot, dm me" }),
      record({ id: "missed", text: "gg, my hidden-violation trick" }),
    ],
    signal,
  );
  // The post the prefilter sent to the model is the primary role's: nothing here.
  expect(results[1]).toEqual({ kind: "ready", outputs: [] });
  const clean = await run(results[0]!);
  expect(clean.map((o) => o.topic)).toEqual(["audit"]);
  expect(audit(clean[0]!)).toMatchObject({
    decisionId: `prefilter:${psv}:clean`,
    stage: "second_look",
    sampled: false,
    entries: [
      { policyId: "test-cheats", decision: "allow" },
      { policyId: "test-spam", decision: "allow" },
    ],
  });
  const missed = await run(results[2]!);
  expect(on(missed, "decisions").map(decision)).toMatchObject([
    {
      postId: "missed",
      stage: "second_look",
      action: "HIDE",
      verdicts: [{ policyId: "test-cheats", decision: "violate", source: "model" }, { policyId: "test-spam" }],
    },
  ]);
  expect(on(missed, "audit").map(audit)).toMatchObject([{ stage: "second_look", postId: "missed" }]);
  expect(on(missed, "escalations")).toEqual([]);
  expect(engine.requests.map((r) => [r.priority, r.onlyIfIdle])).toEqual([
    ["second-look", true],
    ["second-look", true],
  ]);
  expect(await metrics.value("arbiter_second_look_posts_total", { forum: "gaming", result: "seen" })).toBe(2);
  expect(await metrics.value("arbiter_second_look_posts_total", { forum: "gaming", result: "reviewed" })).toBe(2);
  expect(await metrics.value("arbiter_second_look_allows_total", { policy: "test-cheats", result: "reviewed" })).toBe(2);
  expect(await metrics.value("arbiter_second_look_violations_total", { policy: "test-cheats" })).toBe(1);
  expect(await metrics.value("arbiter_decisions_total", { stage: "second_look", action: "HIDE" })).toBe(1);
  expect(processor.counts).toEqual({ seen: 2, reviewed: 2, skipped: 0, failed: 0, violations: 1 });
  processor.close();
});

test("the audit sample is the hash-chosen share of the reviewed allows, as funnel audit sampling chooses it", async () => {
  const { processor } = await setup({ auditSampleRate: 0.5 });
  const ids = Array.from({ length: 12 }, (_, i) => `${i}-post`);
  const results = await processor.processBatch(
    ids.map((id, i) => record({ id, text: "good game everyone" }, i)),
    signal,
  );
  const sampled = await Promise.all(results.map(async (r) => audit((await run(r))[0]!).sampled));
  expect(sampled).toEqual(ids.map((id) => inAuditSample(id, 0.5)));
  // Both kinds are present, so the flag follows the hash and is not constant.
  expect(new Set(sampled).size).toBe(2);
  processor.close();
});

test("skips a post older than maxAgeMinutes, at intake and when its turn comes, counting it and logging the count without the text", async () => {
  let now = NOW;
  const { engine, metrics, log, processor } = await setup({ now: () => now });
  const [old, young] = await processor.processBatch(
    [
      record({ id: "old", text: "good game old-secret-text", createdAt: NOW - 61 * MINUTE }),
      record({ id: "young", text: "good game young-secret-text", createdAt: NOW - 50 * MINUTE }, 1),
    ],
    signal,
  );
  expect(old).toEqual({ kind: "ready", outputs: [] });
  expect(young!.kind).toBe("deferred");
  // The engine is busy until the young post too is past the bound.
  engine.otherWaiting = 1;
  const youngOut = run(young!);
  await new Promise((r) => setTimeout(r, 20));
  expect(engine.requests).toEqual([]);
  expect(await metrics.value("arbiter_second_look_lag_seconds")).toBe(50 * 60);
  now = NOW + 11 * MINUTE;
  engine.otherWaiting = 0;
  expect(await youngOut).toEqual([]);
  expect(engine.requests).toEqual([]);
  expect(await metrics.value("arbiter_second_look_posts_total", { forum: "gaming", result: "skipped" })).toBe(2);
  expect(await metrics.value("arbiter_second_look_lag_seconds")).toBe(0);
  expect(log.lines.filter((l) => l["msg"] === "second look skipped posts older than secondLook.maxAgeMinutes").map((l) => l["skipped"])).toEqual([1, 1]);
  expect(log.text()).not.toContain("secret-text");
  expect(processor.counts).toMatchObject({ seen: 2, reviewed: 0, skipped: 2 });
  processor.close();
});

test("waits for an idle sequence and lets the oldest waiting post through first, one at a time", async () => {
  const { engine, processor } = await setup();
  engine.autoRelease = false;
  engine.otherWaiting = 1;
  const results = await processor.processBatch(
    [
      record({ id: "b", text: "good game b", createdAt: NOW - 2 * MINUTE }),
      record({ id: "a", text: "good game a", createdAt: NOW - 3 * MINUTE }, 1),
      record({ id: "c", text: "good game c", createdAt: NOW - 1 * MINUTE }, 2),
    ],
    signal,
  );
  const outputs = results.map(run);
  await new Promise((r) => setTimeout(r, 20));
  expect(engine.requests).toHaveLength(0);
  engine.otherWaiting = 0;
  // One sequence: one post at a time (each post is one classify call here), oldest first.
  for (let n = 1; n <= 3; n++) {
    await until(() => engine.requests.length === n);
    await new Promise((r) => setTimeout(r, 10));
    expect(engine.requests).toHaveLength(n);
    engine.releaseOne();
  }
  await Promise.all(outputs);
  expect(engine.requests.map((r) => r.postText)).toEqual(["good game a", "good game b", "good game c"]);
  processor.close();
});

test("an only-if-idle call refused because another call took the sequence first waits for the next idle sequence", async () => {
  const { engine, processor } = await setup();
  const [result] = await processor.processBatch([record({ id: "a", text: "good game" })], signal);
  // The engine reports idle, but the first call is refused (another class took the sequence in between).
  let refusals = 1;
  const classify = engine.classify.bind(engine);
  engine.classify = (request) => (refusals-- > 0 ? Promise.reject(new EngineBusyError()) : classify(request));
  const out = await run(result!);
  expect(out.map((o) => o.topic)).toEqual(["audit"]);
  expect(engine.requests).toHaveLength(1);
  processor.close();
});

test("leaves reserveSequences free for posts the prefilter sends: it starts a call only while more than that many are idle", async () => {
  const { engine, processor } = await setup({ reserveSequences: 2 });
  engine.sequences = 4;
  engine.autoRelease = false;
  engine.otherRunning = 2;
  const results = await processor.processBatch(
    [record({ id: "a", text: "good game a", createdAt: NOW - 3 * MINUTE }), record({ id: "b", text: "good game b", createdAt: NOW - 2 * MINUTE }, 1)],
    signal,
  );
  const outputs = results.map(run);
  // 2 of 4 idle, 2 kept: nothing starts.
  await new Promise((r) => setTimeout(r, 30));
  expect(engine.requests).toHaveLength(0);
  // 3 idle: one call, asking the engine to keep the same 2.
  engine.otherRunning = 1;
  await until(() => engine.requests.length === 1);
  expect(engine.requests[0]!.idleReserve).toBe(2);
  await new Promise((r) => setTimeout(r, 30));
  expect(engine.requests).toHaveLength(1);
  engine.otherRunning = 0;
  await until(() => engine.requests.length === 2);
  engine.releaseOne();
  engine.releaseOne();
  await Promise.all(outputs);
  processor.close();
});

test("an engine with one sequence keeps none back: the reserve is at most the sequences less one", async () => {
  const { engine, processor } = await setup({ reserveSequences: 2 });
  const [result] = await processor.processBatch([record({ id: "a", text: "good game" })], signal);
  expect((await run(result!)).map((o) => o.topic)).toEqual(["audit"]);
  expect(engine.requests[0]!.idleReserve).toBe(0);
  processor.close();
});
