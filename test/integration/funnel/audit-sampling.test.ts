import { jest } from "@jest/globals";
import type { Kafka } from "kafkajs";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { inAuditSample } from "@arbiter/shared/pipeline/audit-sampler.js";
import { runCli } from "../../support/cli.js";
import { eventually } from "../../support/eventually.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readRecords, testConfig, testLogger } from "../../support/worker.js";

jest.setTimeout(180_000);

/** A fake engine whose answer is known: a post that offers cheap game keys violates SP2 (no keyword of test-spam names it: a prefilter miss). */
class FakeKeysEngine implements EnginePort {
  readonly modelId = "fake-keys";
  calls = 0;
  private running = 0;
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.calls++;
    this.running++;
    await new Promise((r) => setTimeout(r, 5));
    this.running--;
    const violate = request.postText.includes("cheap game keys");
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: violate ? "violate" : "allow",
      ruleIds: violate ? ["SP2"] : [],
      rationale: "fake",
      confidence: 0.9,
      reasoning: "fake reasoning",
      promptTokens: 1,
      generatedTokens: 1,
      latencyMs: 5,
    }));
  }
  queue() {
    return { depth: 0, capacity: 64, inFlight: this.running, sequences: 2 };
  }
  async dispose(): Promise<void> {}
}

const ns = testNamespace("audit sampling");
const RATE = 0.05;
const config = testConfig(ns, { cache: { enabled: false }, pipeline: { auditSampleRate: RATE }, policies: { only: ["test-spam"] } });
const topics = config.kafka.topics;
const N = 4000;
// No post carries a test-spam keyword: the prefilter allows every one of them without the model.
const posts = Array.from({ length: N }, (_, i) => post(`p-${i}`, i % 5 === 0 ? `cheap game keys, message me #${i}` : `good game everyone #${i}`));
let kafka: Kafka;
let worker: RunningWorker;
const engine = new FakeKeysEngine();

beforeAll(async () => {
  kafka = testKafka(ns.id);
  worker = await startClassifierWorker(config, await testLogger(), { engine });
});
afterAll(async () => worker?.stop(), 60_000);

test("a share of the prefilter's allows within tolerance goes to the model, to the audit topic only, and feeds the miss-rate metric", async () => {
  await producePosts(kafka, topics.posts, posts);
  const expected = posts.filter((p) => inAuditSample(p.id, RATE));
  // The sample is the hash's: its size is binomial(N, RATE); 3 standard deviations either side.
  const sd = Math.sqrt(N * RATE * (1 - RATE));
  expect(Math.abs(expected.length - N * RATE)).toBeLessThan(3 * sd);
  const audits = await readRecords(kafka, topics.audit, "audit", {
    groupId: ns.group("audit"),
    until: (s) => s.length >= expected.length,
    timeoutMs: 60_000,
    settleMs: 2000,
  });
  process.stdout.write(`audit sampling: ${audits.length} of ${N} prefilter allows sampled at rate ${RATE} (expected ${N * RATE} ± ${(3 * sd).toFixed(1)})\n`);
  expect(audits.every((a) => a.sampled && a.stage === "prefilter")).toBe(true);
  expect(new Set(audits.map((a) => a.postId))).toEqual(new Set(expected.map((p) => p.id)));
  expect(engine.calls).toBe(expected.length);

  // The decisions stay the prefilter's: one ALLOW per post, no model verdict.
  const decisions = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group("decisions"),
    until: (s) => s.length >= N,
    timeoutMs: 60_000,
    settleMs: 1000,
  });
  expect(decisions.length).toBe(N);
  expect(decisions.every((d) => d.stage === "prefilter" && d.action === "ALLOW" && d.verdicts.length === 0)).toBe(true);

  const misses = expected.filter((p) => p.text.includes("cheap game keys")).length;
  const metrics = worker.metrics;
  await eventually(
    async () => ((await metrics.value("arbiter_audit_samples_total", { policy: "test-spam", verdict: "violate" })) === misses ? true : undefined),
    10_000,
    "the sample counters",
  );
  expect(await metrics.value("arbiter_audit_samples_total", { policy: "test-spam", verdict: "allow" })).toBe(expected.length - misses);
  const estimate = await metrics.value("arbiter_prefilter_miss_rate", { policy: "test-spam", bound: "estimate" });
  const low = await metrics.value("arbiter_prefilter_miss_rate", { policy: "test-spam", bound: "low" });
  const high = await metrics.value("arbiter_prefilter_miss_rate", { policy: "test-spam", bound: "high" });
  expect(estimate).toBeCloseTo(misses / expected.length, 10);
  // A fifth of all posts are misses: the interval holds the true rate.
  expect(low).toBeLessThan(0.2);
  expect(high).toBeGreaterThan(0.2);

  const run = await runCli(["funnel", "report", "--since", "1h", "--json"], { ARBITER_CONFIG_JSON: JSON.stringify(config) });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as {
    samples: number;
    policies: { policyId: string; sampled: number; missRate: { k: number; low: number; high: number }; rules: Record<string, number> }[];
  };
  expect(report.samples).toBe(expected.length);
  expect(report.policies).toEqual([
    expect.objectContaining({ policyId: "test-spam", sampled: expected.length, missRate: expect.objectContaining({ k: misses }), rules: { SP2: misses } }),
  ]);
  expect(report.policies[0]!.missRate.low).toBeCloseTo(low, 10);
});
