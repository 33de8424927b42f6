// npm run bench:latency — produce -> decision latency and model-stage utilisation, before
// (chunk-at-a-time: a chunk's outputs wait for its slowest model call) and after (out-of-order
// completion), in the same run, on the local broker.
//
//   1. a simulated engine (SimulatedEngine: fixed latency L, C calls at once);
//   2. the small real model (Gemma 3 270M on CPU, threads 1).
// For each: a backlog of mixed posts (a share bound for the model) measures utilisation =
// model posts/s ÷ (C/L) while the model stage is saturated; paced traffic measures latency from
// the post's produce time to its decision record's timestamp, separately for posts the
// prefilter decided and posts the model decided.
// Needs Kafka running (bash scripts/services.sh start) and the test models.
// Last line: one JSON object with the figures.
import { cpus } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Kafka } from "kafkajs";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import type { Post } from "@arbiter/shared/codec/records.js";
import { createKafka, ensureTopics } from "@arbiter/shared/kafka/kafka-client.js";
import { createLogger, silentLogger } from "@arbiter/shared/observability/logger.js";
import { startClassifierWorker } from "../workers/classifier/classifier-worker.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { loadEnginePort } from "@arbiter/shared/pipeline/engine-port.js";
import type { EnginePort } from "@arbiter/shared/pipeline/ports.js";
import { ChunkAtATimeProcessor } from "./chunk-at-a-time-processor.js";
import { gemmaEngineSettings } from "./gemma-engine-settings.js";
import { SimulatedEngine } from "./simulated-engine.js";

const SIM_LATENCY_MS = Number(process.env.BENCH_SIM_LATENCY_MS ?? 200);
const SIM_CAPACITY = Number(process.env.BENCH_SIM_CAPACITY ?? 16);
/** Share of posts bound for the model. */
const MODEL_SHARE = Number(process.env.BENCH_MODEL_SHARE ?? 0.02);
/** Backlog for the utilisation figure (simulated engine). */
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 30_000);
/** Paced traffic for the latency figures (simulated engine): posts/s and seconds. */
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
/** The real model: backlog size, paced rate and share (it decides a few posts a second at best). */
const REAL = process.env.BENCH_REAL_MODEL !== "0";
const REAL_BACKLOG = Number(process.env.BENCH_REAL_BACKLOG ?? 600);
const REAL_RATE = Number(process.env.BENCH_REAL_RATE ?? 100);
const REAL_SECONDS = Number(process.env.BENCH_REAL_SECONDS ?? 15);
const REAL_SHARE = Number(process.env.BENCH_REAL_SHARE ?? 0.01);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 500);

const run = `latency-${Date.now().toString(36)}`;
/** LOG_LEVEL=info shows the workers' logs (on stdout, before the result line). */
const logger = process.env.LOG_LEVEL ? createLogger("bench-worker", process.env.LOG_LEVEL) : silentLogger;
const codecs = createCodecs();
const engineSettings = gemmaEngineSettings(60);

type Mode = "before" | "after";
type EngineFor = () => EnginePort & { dispose(): Promise<void> };

function configFor(name: string): ArbiterConfig {
  return loadConfig({
    workerId: `${run}-${name}`,
    kafka: {
      groupId: `${run}-${name}`,
      transactionalIdPrefix: `${run}-${name}`,
      maxRecordsPerCommit: CHUNK,
      topics: {
        posts: `${run}.${name}.posts`,
        decisions: `${run}.${name}.decisions`,
        audit: `${run}.${name}.audit`,
        escalations: `${run}.${name}.esc`,
        tickets: `${run}.${name}.tickets`,
        dlq: `${run}.${name}.dlq`,
      },
    },
    policies: { dir: "config/policies", only: ["cheats"] },
    cache: { enabled: false },
    engine: engineSettings,
    http: { port: 0 },
    log: { level: "silent" },
  });
}

const words = [
  "nice",
  "round",
  "well",
  "played",
  "team",
  "map",
  "score",
  "match",
  "great",
  "comeback",
  "today",
  "tonight",
  "again",
  "ranked",
  "season",
  "patch",
  "notes",
  "skill",
  "practice",
  "lobby",
];
/** Post i of a stream where every (1/share)-th post names a cheat (bound for the model). */
function mixedPost(i: number, share: number, now: number): Post {
  const toModel = Math.floor((i + 1) * share) > Math.floor(i * share);
  const text = toModel
    ? `selling aimbot license #${i}, undetected, cheap`
    : Array.from({ length: 4 + (i % 12) }, (_, k) => words[(i * 7 + k * 13) % words.length]).join(" ") + ` ${i}`;
  return { id: `p${i}`, forumId: "gaming", authorId: "a", text, language: null, createdAt: now, metadata: {}, threadId: null };
}

async function produce(kafka: Kafka, topic: string, posts: Post[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < posts.length; i += 2000) {
    await producer.send({ topic, acks: 1, messages: posts.slice(i, i + 2000).map((p) => ({ key: p.id, ...codecs.post.encode(p) })) });
  }
  await producer.disconnect();
}

interface Seen {
  postId: string;
  stage: string;
  /** The decision record's timestamp (set when the worker produced it). */
  at: number;
}

/** Reads decisions from the start until `expected` posts are decided; returns each post's first decision. */
async function readDecisions(kafka: Kafka, topic: string, group: string, expected: number, timeoutMs: number): Promise<Map<string, Seen>> {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 50 });
  const seen = new Map<string, Seen>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const d = codecs.decision.decode(m.value!, m.headers);
          if (!seen.has(d.postId)) seen.set(d.postId, { postId: d.postId, stage: d.stage, at: Number(m.timestamp) });
        }
        if (seen.size >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  if (seen.size < expected) throw new Error(`only ${seen.size} of ${expected} posts were decided in time`);
  return seen;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Model-stage utilisation on a backlog: model posts/s over the span the model was busy, ÷ (C/L). */
async function utilisation(
  kafka: Kafka,
  name: string,
  mode: Mode,
  engine: SimulatedEngine | null,
  real: { engine: EngineFor; capacity: number; latencyMs: number } | null,
  posts: number,
  share: number,
): Promise<{ utilisation: number; modelPostsPerS: number; seconds: number }> {
  const config = configFor(name);
  await ensureTopics(kafka, [config.kafka.topics.posts, config.kafka.topics.decisions], 3);
  const now = Date.now();
  const backlog = Array.from({ length: posts }, (_, i) => mixedPost(i, share, now));
  await produce(kafka, config.kafka.topics.posts, backlog);
  const modelPosts = backlog.filter((p) => p.text.includes("aimbot")).length;
  const timed = engine ?? new TimedEngine(real!.engine());
  const worker = await startClassifierWorker(config, logger, { engine: timed, processor: mode === "before" ? (p) => new ChunkAtATimeProcessor(p) : undefined });
  try {
    await readDecisions(kafka, config.kafka.topics.decisions, `${run}-${name}-read`, posts, 600_000);
  } finally {
    await worker.stop();
  }
  const seconds = (timed.lastEnd - timed.firstStart) / 1000;
  const capacity = engine ? engine.capacity : real!.capacity;
  const latencyMs = engine ? engine.latencyMs : real!.latencyMs;
  const rate = modelPosts / seconds;
  return { utilisation: round(rate / (capacity / (latencyMs / 1000)), 3), modelPostsPerS: round(rate, 2), seconds: round(seconds, 1) };
}

/** Latency on paced traffic: produce time -> decision record timestamp, by kind. */
async function latency(
  kafka: Kafka,
  name: string,
  mode: Mode,
  engine: EnginePort & { dispose(): Promise<void> },
  rate: number,
  seconds: number,
  share: number,
) {
  const config = configFor(name);
  await ensureTopics(kafka, [config.kafka.topics.posts, config.kafka.topics.decisions], 3);
  const worker = await startClassifierWorker(config, logger, { engine, processor: mode === "before" ? (p) => new ChunkAtATimeProcessor(p) : undefined });
  const producedAt = new Map<string, number>();
  const total = Math.round(rate * seconds);
  try {
    // Let the worker join and fetch before traffic starts.
    await new Promise((r) => setTimeout(r, 3000));
    const producer = kafka.producer();
    await producer.connect();
    // The main thread's event-loop delay while traffic runs: what the worker's own thread adds to a post's latency.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.ceil(((performance.now() - started) / 1000) * rate));
      if (due > sent) {
        const now = Date.now();
        const posts = Array.from({ length: due - sent }, (_, k) => mixedPost(sent + k, share, now));
        for (const p of posts) producedAt.set(p.id, now);
        await producer.send({ topic: config.kafka.topics.posts, acks: 1, messages: posts.map((p) => ({ key: p.id, ...codecs.post.encode(p) })) });
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    loopDelay.disable();
    await producer.disconnect();
    const seen = await readDecisions(kafka, config.kafka.topics.decisions, `${run}-${name}-read`, total, 600_000);
    const byKind = { prefilter: [] as number[], model: [] as number[] };
    for (const s of seen.values()) (s.stage === "prefilter" ? byKind.prefilter : byKind.model).push(s.at - producedAt.get(s.postId)!);
    const figures = (xs: number[]) => ({ n: xs.length, p50_ms: pct(xs, 50), p95_ms: pct(xs, 95), p99_ms: pct(xs, 99) });
    return {
      prefilter: figures(byKind.prefilter),
      model: figures(byKind.model),
      event_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6),
      event_loop_delay_max_ms: round(loopDelay.max / 1e6),
    };
  } finally {
    await worker.stop();
  }
}

/** A real engine that notes when its model stage was first and last busy; dispose leaves the model loaded for the next run. */
class TimedEngine implements EnginePort {
  firstStart = 0;
  lastEnd = 0;
  constructor(private readonly inner: EnginePort) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  async classify(request: Parameters<EnginePort["classify"]>[0]) {
    if (this.firstStart === 0) this.firstStart = performance.now();
    const verdicts = await this.inner.classify(request);
    this.lastEnd = performance.now();
    return verdicts;
  }
  queue() {
    return this.inner.queue();
  }
  async dispose(): Promise<void> {}
}

const kafka = createKafka(configFor("probe").kafka, `${run}-bench`, silentLogger);
const log = (line: string) => process.stderr.write(`${line}\n`);
const results: Record<string, unknown> = {};

// 1. Simulated engine.
for (const mode of ["before", "after"] as const) {
  const engine = new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY);
  const u = await utilisation(kafka, `sim-u-${mode}`, mode, engine, null, BACKLOG, MODEL_SHARE);
  log(
    `simulated L=${SIM_LATENCY_MS} ms C=${SIM_CAPACITY}, ${MODEL_SHARE * 100} % to the model, ${mode}: utilisation ${u.utilisation} (${u.modelPostsPerS} model posts/s over ${u.seconds} s)`,
  );
  const l = await latency(kafka, `sim-l-${mode}`, mode, new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY), RATE, SECONDS, MODEL_SHARE);
  log(
    `  latency at ${RATE} posts/s: prefilter p50/p95/p99 ${l.prefilter.p50_ms}/${l.prefilter.p95_ms}/${l.prefilter.p99_ms} ms (n ${l.prefilter.n}); model ${l.model.p50_ms}/${l.model.p95_ms}/${l.model.p99_ms} ms (n ${l.model.n}); event-loop delay p99 ${l.event_loop_delay_p99_ms} ms`,
  );
  results[`sim_${mode}`] = { ...u, latency: l };
}

// 2. The real model.
if (REAL) {
  const gemma = await loadEnginePort(engineSettings, silentLogger);
  const policy = (await import("@arbiter/shared/policy/load-policy-dir.js")).loadPolicySet;
  const cheats = (await policy(resolveFromRoot("config/policies"))).get("cheats")!;
  const request = (text: string) => ({
    postText: text,
    policies: [{ id: cheats.id, version: cheats.version, text: cheats.body, effort: "low" as const, ruleIds: cheats.rules.map((r) => r.id) }],
  });
  // L for the real model: a warm call on its own.
  await gemma.classify(request("warm up"));
  const singles: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await gemma.classify(request(`selling aimbot license #${i}, undetected, cheap`));
    singles.push(performance.now() - t);
  }
  const realLatencyMs = singles.reduce((a, b) => a + b, 0) / singles.length;
  const real = { engine: () => gemma, capacity: engineSettings.sequences, latencyMs: realLatencyMs };
  log(`gemma: a warm call alone takes ${realLatencyMs.toFixed(0)} ms; C = ${real.capacity} sequences`);
  for (const mode of ["before", "after"] as const) {
    const u = await utilisation(kafka, `real-u-${mode}`, mode, null, real, REAL_BACKLOG, MODEL_SHARE);
    log(`gemma, ${MODEL_SHARE * 100} % to the model, ${mode}: utilisation ${u.utilisation} (${u.modelPostsPerS} model posts/s over ${u.seconds} s)`);
    const l = await latency(kafka, `real-l-${mode}`, mode, new TimedEngine(gemma), REAL_RATE, REAL_SECONDS, REAL_SHARE);
    log(
      `  latency at ${REAL_RATE} posts/s, ${REAL_SHARE * 100} % to the model: prefilter p50/p95/p99 ${l.prefilter.p50_ms}/${l.prefilter.p95_ms}/${l.prefilter.p99_ms} ms (n ${l.prefilter.n}); model ${l.model.p50_ms}/${l.model.p95_ms}/${l.model.p99_ms} ms (n ${l.model.n}); event-loop delay p99 ${l.event_loop_delay_p99_ms} ms, max ${l.event_loop_delay_max_ms} ms`,
    );
    results[`real_${mode}`] = { ...u, latency: l, single_call_ms: Math.round(realLatencyMs) };
  }
  await gemma.dispose();
}

type Run = { utilisation: number; latency: { prefilter: { p99_ms: number }; model: { p99_ms: number } } };
const simAfter = results.sim_after as Run;
const simBefore = results.sim_before as Run;
const realAfter = results.real_after as Run | undefined;
const realBefore = results.real_before as Run | undefined;
const worst = (a: number, b: number | undefined) => (b === undefined ? a : Math.max(a, b));
console.log(
  JSON.stringify({
    bench: "latency",
    machine: `${cpus().length}x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
    sim: { latency_ms: SIM_LATENCY_MS, capacity: SIM_CAPACITY, model_share: MODEL_SHARE, backlog: BACKLOG, rate: RATE, seconds: SECONDS },
    utilisation: simAfter.utilisation,
    p99_prefilter_ms: worst(simAfter.latency.prefilter.p99_ms, realAfter?.latency.prefilter.p99_ms),
    before_utilisation: simBefore.utilisation,
    before_p99_prefilter_ms: worst(simBefore.latency.prefilter.p99_ms, realBefore?.latency.prefilter.p99_ms),
    utilisation_ratio: round(simAfter.utilisation / simBefore.utilisation, 2),
    p99_prefilter_ratio: round(simBefore.latency.prefilter.p99_ms / simAfter.latency.prefilter.p99_ms, 1),
    ...results,
  }),
);
process.exit(0);
