import path from "node:path";
import { modelFileIdentity } from "@arbiter/shared/engine/model-identity.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { loadEnginePort, type SafeguardEnginePort } from "@arbiter/shared/pipeline/engine-port.js";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import { PostProcessor } from "@arbiter/shared/pipeline/post-processor.js";
import type { ClassifyRequest, EnginePort } from "@arbiter/shared/pipeline/ports.js";
import { VerdictCache, type VerdictKeyParts } from "@arbiter/shared/pipeline/verdict-cache.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { modelPath, repoRoot, testModels } from "../../support/env.js";
import { testNamespace } from "../../support/namespace.js";
import { eventually } from "../../support/eventually.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { codecs, post, testConfig, testEngineSettings } from "../../support/worker.js";

// The verdict cache on real Redis and the real model (Gemma 270M): copies of a post in flight
// share one model call, and a verdict is served only to the model, effort and prompt that gave it.

const ns = testNamespace("verdict cache");
const config = testConfig(ns);
const redis = testRedis();
let gemma: SafeguardEnginePort;
/** One cache for every processor, as one Redis is shared by every worker: only the key tells verdicts apart. */
let cache: VerdictCache;

/** The real engine, counting the calls that reach it, as another model identity when given one. */
function counted(modelIdentity?: string): EnginePort & { calls: number } {
  const engine = {
    modelId: gemma.modelId,
    modelIdentity: modelIdentity ?? gemma.modelIdentity,
    calls: 0,
    classify(request: ClassifyRequest) {
      engine.calls++;
      return gemma.classify(request);
    },
    queue: () => gemma.queue(),
  };
  return engine;
}

async function processorWith(engine: EnginePort, pipeline: Partial<typeof config.pipeline> = {}): Promise<PostProcessor> {
  const set = await loadPolicySet(path.join(repoRoot, "test/fixtures/policies"));
  return new PostProcessor({
    codecs,
    topics: config.kafka.topics,
    input: config.input,
    pipeline: { ...config.pipeline, ...pipeline },
    engine,
    prefilter: new PolicyPrefilter(set, { maxModelChars: config.pipeline.maxModelChars, defaultEffort: "medium" }),
    cache,
    metrics: new WorkerMetrics(),
    logger: silentLogger,
  });
}

function records(text: string, copies: number, idPrefix: string): InboundRecord[] {
  return Array.from({ length: copies }, (_, i) => {
    const p = post(`${idPrefix}-${i}`, text);
    const { value, headers } = codecs.post.encode(p);
    return { topic: config.kafka.topics.posts, partition: i % 3, offset: String(i), key: Buffer.from(p.id), value: value as Buffer, headers: headers ?? {} };
  });
}

/** Runs every record's work at once, as the stream runner would with enough room, and decodes the decisions. */
async function decideAll(processor: PostProcessor, batch: InboundRecord[]): Promise<Decision[]> {
  const signal = new AbortController().signal;
  const results = await processor.processBatch(batch, signal);
  const outputs = await Promise.all(results.map((r) => (r.kind === "ready" ? r.outputs : r.run(signal))));
  return outputs.flatMap((out) => out.filter((o) => o.topic === config.kafka.topics.decisions).map((o) => codecs.decision.decode(o.value, o.headers)));
}

const probe: VerdictKeyParts = { modelIdentity: "probe", effort: "low", policyId: "probe", policyVersion: "probe", promptFormat: "probe" };
const TEXT = "DM me for a private aimbot, only 10 dollars, undetected";

beforeAll(async () => {
  await redis.connect();
  gemma = await loadEnginePort(testEngineSettings(), silentLogger);
  cache = new VerdictCache({ ...config.redis, ...config.cache }, silentLogger);
  // The cache counts a call made while it connects as a miss: wait until it answers.
  await eventually(
    async () => {
      const errors = cache.stats.errors;
      await cache.get(probe, "probe");
      return cache.stats.errors === errors ? true : undefined;
    },
    10_000,
    "the cache connected",
  );
}, 120_000);

afterAll(async () => {
  await cache?.close();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
  await gemma?.dispose();
});

test("50 copies of a post at once make 1 model call; the next copy is a cache hit", async () => {
  const engine = counted();
  const processor = await processorWith(engine);
  const decisions = await decideAll(processor, records(TEXT, 50, "copy"));
  expect(engine.calls).toBe(1);
  expect(decisions).toHaveLength(50);
  const verdicts = decisions.map((d) => d.verdicts.find((v) => v.policyId === "test-cheats"));
  for (const v of verdicts) expect(v).toMatchObject({ source: "model", decision: verdicts[0]!.decision, rationale: verdicts[0]!.rationale });

  const later = await decideAll(processor, records(TEXT, 1, "later"));
  expect(engine.calls).toBe(1);
  expect(later[0]!.verdicts.find((v) => v.policyId === "test-cheats")).toMatchObject({ source: "cache", decision: verdicts[0]!.decision });
}, 120_000);

test("another model identity, another effort or another multi-policy mode misses the cache", async () => {
  const text = "selling wallhack + aimbot bundle for the new season";
  const first = counted();
  await decideAll(await processorWith(first), records(text, 1, "first"));
  expect(first.calls).toBe(1);
  const same = counted();
  await decideAll(await processorWith(same), records(text, 1, "same"));
  expect(same.calls).toBe(0);

  // The 20b replacing Gemma: same model id in the config, another file.
  const otherModel = counted("gguf:13793437184:another-file");
  const fromOther = await decideAll(await processorWith(otherModel), records(text, 1, "other-model"));
  expect(otherModel.calls).toBe(1);
  expect(fromOther[0]!.verdicts.find((v) => v.policyId === "test-cheats")?.source).toBe("model");

  const otherEffort = counted();
  await decideAll(await processorWith(otherEffort, { effort: "high" }), records(text, 1, "other-effort"));
  expect(otherEffort.calls).toBe(1);

  const combined = counted();
  await decideAll(await processorWith(combined, { combinePolicies: true }), records(text, 1, "combined"));
  expect(combined.calls).toBe(1);
}, 180_000);

test("a model file's identity is stable, cheap, and differs between models", async () => {
  const gemmaPath = modelPath(testModels.gemma);
  const started = performance.now();
  const identity = await modelFileIdentity(gemmaPath);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(identity).toMatch(/^gguf:\d+:[0-9a-f]{32}$/);
  expect(await modelFileIdentity(gemmaPath)).toBe(identity);
  expect(gemma.modelIdentity).toBe(identity);
  expect(await modelFileIdentity(modelPath(testModels.harmonyTiny))).not.toBe(identity);
});
