// npm run bench:latency — produce -> decision latency and model-stage utilisation at several
// operating points, on the local broker, with the classifier worker in-process.
//
// An operating point offers model-bound posts at a share of the model stage's capacity C/L
// (25, 50, 90 and 110 % by default); the other posts are decided by the prefilter. At each point
// a fresh worker on fresh topics takes paced traffic for `--seconds`, and the bench reports:
//   - utilisation: the engine's busy sequence-time over the traffic window ÷ (C × window)
//     (simulated engine: exact; Gemma: model calls finished in the window × L ÷ (C × window));
//   - produce -> decision p50/p95/p99, separately for prefilter-decided and model-bound posts
//     (the decision record's timestamp minus the post's produce time);
//   - key-order blocking: the share of prefilter-decided posts produced while an earlier
//     model-bound post of the same Kafka key was still undecided, and their p99.
// Keys repeat: authors and threads follow Zipf's law, and the posts are keyed by thread
// (`--key thread`; `author` or `post` for Arbiter's own producer, which keys by post id).
// The simulated engine also runs the 90 and 110 % points keyed by post id, for comparison
// (`--no-post-keys` skips them).
// Funnel audit sampling is off (pipeline.auditSampleRate 0): it sends allowed posts to the
// model, which is not what is measured here. Second look is not on this branch: see
// `secondLookScenario`.
//
// Usage: npm run bench:latency [-- --engine simulated|gemma --points 25,50,90,110 --seconds 12
//   --share 0.1 --key thread|author|post --threads 2000 --authors 5000 --zipf-s 1 --nice 0,19]
//   --engine gemma: Gemma 3 270M on CPU (C = its sequences, L = a warm call alone); `--nice`
//   lists the model threads' nice values to compare, in the same run (one pass per value).
// Needs Kafka running (bash scripts/services.sh start); Gemma needs the test models.
// Last line: one JSON object with the figures.
import { cpus, loadavg } from "node:os";
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
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";
import { gemmaEngineSettings } from "./gemma-engine-settings.js";
import { SimulatedEngine } from "./simulated-engine.js";
import { blockedByKey, operatingPoint, percentile, utilisationOf, Zipf, type Observed, type OperatingPoint } from "./load-model.js";
import { mainThreadSchedule, modelThreads, setNice } from "./thread-nice.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const numbers = (text: string) => text.split(",").map(Number);

const ENGINE = arg("engine", "simulated");
if (ENGINE !== "simulated" && ENGINE !== "gemma") throw new Error(`--engine must be simulated or gemma, got ${ENGINE}`);
const GEMMA = ENGINE === "gemma";
const POINTS = numbers(arg("points", GEMMA ? "90" : "25,50,90,110"));
const SECONDS = Number(arg("seconds", GEMMA ? "20" : "12"));
/** Share of posts bound for the model (the shipped pack sends 23–65 % of real posts; the cheats-only gaming forum much less). */
const SHARE = Number(arg("share", GEMMA ? "0.01" : "0.1"));
type KeyMode = "thread" | "author" | "post";
const KEY = arg("key", "thread") as KeyMode;
if (KEY !== "thread" && KEY !== "author" && KEY !== "post") throw new Error(`--key must be thread, author or post, got ${String(KEY)}`);
const SIM_LATENCY_MS = Number(arg("sim-latency-ms", "200"));
const SIM_CAPACITY = Number(arg("sim-capacity", "16"));
/** Nice values for the model's threads (Gemma only), one pass each, lowest first (an unprivileged process cannot lower a nice value again). */
const NICE = numbers(arg("nice", "0")).sort((a, b) => a - b);
/** Zipf populations: the hottest of THREADS threads carries 1/H(THREADS) of the posts at s = 1 (12 % for 2,000). */
const THREADS = Number(arg("threads", "2000"));
const AUTHORS = Number(arg("authors", "5000"));
const ZIPF_S = Number(arg("zipf-s", "1"));
if (process.argv.includes("--second-look")) {
  throw new Error("--second-look: the second-look runner is not built on this branch; see secondLookScenario in bench/latency.ts");
}

const run = `latency-${Date.now().toString(36)}`;
/** LOG_LEVEL=info shows the workers' logs (on stdout, before the result line). */
const logger = process.env.LOG_LEVEL ? createLogger("bench-worker", process.env.LOG_LEVEL) : silentLogger;
const codecs = createCodecs();
const engineSettings = gemmaEngineSettings(60);
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

function configFor(name: string): ArbiterConfig {
  return loadConfig({
    workerId: `${run}-${name}`,
    kafka: {
      groupId: `${run}-${name}`,
      transactionalIdPrefix: `${run}-${name}`,
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
    // Off: audit samples would put prefilter allows on the model, which is not what is measured.
    pipeline: { auditSampleRate: 0 },
    engine: engineSettings,
    http: { port: 0 },
    log: { level: "silent" },
  });
}

const words = ["nice", "round", "well", "played", "team", "map", "score", "match", "great", "comeback", "today", "tonight", "again", "ranked"];

/** The post stream: Zipf authors and threads from a fixed seed; a `share` of posts name a cheat (bound for the model). */
class Traffic {
  private readonly random = seededRandom(20);
  private readonly threads = new Zipf(THREADS, ZIPF_S, this.random);
  private readonly authors = new Zipf(AUTHORS, ZIPF_S, this.random);
  private i = 0;
  constructor(
    private readonly share: number,
    private readonly keyMode: KeyMode,
  ) {}

  next(now: number): { post: Post; key: string; model: boolean } {
    const i = this.i++;
    const model = this.random() < this.share;
    const text = model
      ? `selling aimbot license #${i}, undetected, cheap`
      : Array.from({ length: 4 + (i % 10) }, (_, k) => words[(i * 7 + k * 13) % words.length]).join(" ") + ` ${i}`;
    const post: Post = {
      id: `p${i}`,
      forumId: "gaming",
      authorId: `a${this.authors.next()}`,
      threadId: `t${this.threads.next()}`,
      text,
      language: null,
      createdAt: now,
      metadata: {},
    };
    const key = this.keyMode === "thread" ? post.threadId! : this.keyMode === "author" ? post.authorId : post.id;
    return { post, key, model };
  }
}

/** Reads decisions from the start until `expected` posts are decided; returns each post's first decision. */
async function readDecisions(kafka: Kafka, topic: string, group: string, expected: number, timeoutMs: number) {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 50 });
  const seen = new Map<string, { stage: string; at: number }>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const d = codecs.decision.decode(m.value!, m.headers);
          if (!seen.has(d.postId)) seen.set(d.postId, { stage: d.stage, at: Number(m.timestamp) });
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

/** The engine under test at one point: the port, and its busy sequence-ms so far. */
interface Measured {
  port: EnginePort & { dispose(): Promise<void> };
  capacity: number;
  latencyMs: number;
  busySlotMs(now: number): number;
}

/** A real engine that counts finished calls (× L, as busy sequence-ms); dispose leaves the model loaded. */
class CountingEngine implements EnginePort {
  private finished: number[] = [];
  constructor(
    private readonly inner: EnginePort,
    private readonly latencyMs: number,
  ) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  async classify(request: Parameters<EnginePort["classify"]>[0]) {
    const verdicts = await this.inner.classify(request);
    this.finished.push(performance.now());
    return verdicts;
  }
  queue() {
    return this.inner.queue();
  }
  async dispose(): Promise<void> {}
  busySlotMs(now: number): number {
    return this.finished.filter((t) => t <= now).length * this.latencyMs;
  }
}

const figures = (xs: number[]) => ({ n: xs.length, p50_ms: percentile(xs, 50), p95_ms: percentile(xs, 95), p99_ms: percentile(xs, 99) });

/** One operating point: paced traffic for SECONDS into a fresh worker; latency by kind, utilisation over the traffic window. */
async function runPoint(kafka: Kafka, name: string, engine: Measured, point: OperatingPoint, keyMode: KeyMode = KEY) {
  const config = configFor(name);
  await ensureTopics(kafka, [config.kafka.topics.posts, config.kafka.topics.decisions], 3);
  const worker = await startClassifierWorker(config, logger, { engine: engine.port });
  const traffic = new Traffic(SHARE, keyMode);
  const sent: Array<{ id: string; key: string; model: boolean; producedAt: number }> = [];
  const total = Math.round(point.postsPerS * SECONDS);
  const load = loadavg()[0]!;
  try {
    // Let the worker join and fetch before traffic starts.
    await new Promise((r) => setTimeout(r, 3000));
    const producer = kafka.producer();
    await producer.connect();
    // The main thread's event-loop delay while traffic runs: what the worker's own thread adds to a post's latency.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const started = performance.now();
    const busy0 = engine.busySlotMs(started);
    const schedule0 = mainThreadSchedule();
    while (sent.length < total) {
      const due = Math.min(total, Math.ceil(((performance.now() - started) / 1000) * point.postsPerS));
      if (due > sent.length) {
        const now = Date.now();
        const batch = Array.from({ length: due - sent.length }, () => traffic.next(now));
        for (const b of batch) sent.push({ id: b.post.id, key: b.key, model: b.model, producedAt: now });
        await producer.send({ topic: config.kafka.topics.posts, acks: 1, messages: batch.map((b) => ({ key: b.key, ...codecs.post.encode(b.post) })) });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const ended = performance.now();
    const schedule1 = mainThreadSchedule();
    const utilisation = utilisationOf(engine.busySlotMs(ended) - busy0, engine.capacity, ended - started);
    loopDelay.disable();
    await producer.disconnect();
    const seen = await readDecisions(kafka, config.kafka.topics.decisions, `${run}-${name}-read`, total, 300_000);
    const observed: Observed[] = sent.map((s) => ({
      key: s.key,
      producedAt: s.producedAt,
      decidedAt: seen.get(s.id)!.at,
      model: seen.get(s.id)!.stage !== "prefilter",
    }));
    const blocked = blockedByKey(observed);
    const prefilter: number[] = [];
    const prefilterBlocked: number[] = [];
    const prefilterFree: number[] = [];
    const model: number[] = [];
    observed.forEach((o, i) => {
      const ms = o.decidedAt - o.producedAt;
      if (o.model) model.push(ms);
      else {
        prefilter.push(ms);
        (blocked[i] ? prefilterBlocked : prefilterFree).push(ms);
      }
    });
    return {
      percent: point.percent,
      key: keyMode,
      offered_posts_per_s: round(point.postsPerS),
      offered_model_per_s: round(point.modelPerS, 2),
      capacity_per_s: round(point.capacityPerS, 2),
      load_1m: round(load, 2),
      utilisation: round(utilisation, 3),
      prefilter: figures(prefilter),
      model: figures(model),
      key_blocked_share: round(prefilterBlocked.length / Math.max(1, prefilter.length), 4),
      prefilter_key_blocked_p99_ms: percentile(prefilterBlocked, 99),
      prefilter_not_blocked_p99_ms: percentile(prefilterFree, 99),
      event_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6),
      event_loop_delay_max_ms: round(loopDelay.max / 1e6),
      // The main thread over the traffic window: ms on a CPU, and ms runnable but waiting for one.
      main_thread_run_ms: Math.round(schedule1.runMs - schedule0.runMs),
      main_thread_runqueue_wait_ms: Math.round(schedule1.waitMs - schedule0.waitMs),
      window_ms: Math.round(ended - started),
    };
  } finally {
    await worker.stop();
  }
}
type PointResult = Awaited<ReturnType<typeof runPoint>>;

/**
 * Second look (issue 20, deliverable 2) is not built on this branch. Once the runner exists,
 * this runs `point` again with it on (in its own consumer group, with the same engine) and
 * returns the share of prefilter allows it reviewed and the model-bound p99 with it on; the
 * JSON's `second_look_share` and `p99_model_delta` (p99 on ÷ p99 off − 1) come from here.
 */
async function secondLookScenario(point: OperatingPoint, off: PointResult): Promise<{ share: number; modelP99Ms: number } | null> {
  log(`second look at ${point.percent} % (model p99 off: ${off.model.p99_ms} ms): not built on this branch`);
  return null;
}

function describe(r: PointResult): string {
  return (
    `${r.percent} % of C/L (${r.offered_model_per_s} model posts/s of ${r.offered_posts_per_s} posts/s, key ${r.key}, load ${r.load_1m}): ` +
    `utilisation ${r.utilisation}; prefilter p50/p95/p99 ${r.prefilter.p50_ms}/${r.prefilter.p95_ms}/${r.prefilter.p99_ms} ms (n ${r.prefilter.n}; ` +
    `${(r.key_blocked_share * 100).toFixed(1)} % behind a model post of their key, p99 ${r.prefilter_key_blocked_p99_ms} ms; the rest p99 ${r.prefilter_not_blocked_p99_ms} ms); ` +
    `model ${r.model.p50_ms}/${r.model.p95_ms}/${r.model.p99_ms} ms (n ${r.model.n}); event-loop delay p99 ${r.event_loop_delay_p99_ms} ms, max ${r.event_loop_delay_max_ms} ms; main thread ran ${r.main_thread_run_ms} ms and waited for a core ${r.main_thread_runqueue_wait_ms} ms of ${r.window_ms} ms`
  );
}

const kafka = createKafka(configFor("probe").kafka, `${run}-bench`, silentLogger);
const loadStart = loadavg();
const points: Record<string, unknown> = {};
const headline: PointResult[] = [];
let secondLook: Awaited<ReturnType<typeof secondLookScenario>> = null;

if (!GEMMA) {
  const at = (percent: number) => operatingPoint(percent, SIM_CAPACITY, SIM_LATENCY_MS, SHARE);
  for (const percent of POINTS) {
    const engine = new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY);
    const r = await runPoint(
      kafka,
      `sim-${percent}`,
      { port: engine, capacity: SIM_CAPACITY, latencyMs: SIM_LATENCY_MS, busySlotMs: (t) => engine.busySlotMs(t) },
      at(percent),
    );
    log(`simulated C=${SIM_CAPACITY} L=${SIM_LATENCY_MS} ms, ${describe(r)}`);
    points[`sim_${percent}`] = r;
    headline.push(r);
    if (percent === 90) secondLook = await secondLookScenario(at(percent), r);
  }
} else {
  const gemma = await loadEnginePort(engineSettings, silentLogger);
  const cheats = (await (await import("@arbiter/shared/policy/load-policy-dir.js")).loadPolicySet(resolveFromRoot("config/policies"))).get("cheats")!;
  const request = (text: string) => ({
    postText: text,
    policies: [{ id: cheats.id, version: cheats.version, text: cheats.body, effort: "low" as const, ruleIds: cheats.rules.map((r) => r.id) }],
  });
  // The threads llama.cpp computes on: the ones busy during warm calls (none of them is the main thread).
  const threads = await modelThreads(async () => {
    await gemma.classify(request("warm up"));
    await Promise.all([gemma.classify(request("selling aimbot")), gemma.classify(request("selling wallhack"))]);
  });
  const singles: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await gemma.classify(request(`selling aimbot license #${i}, undetected, cheap`));
    singles.push(performance.now() - t);
  }
  const latencyMs = singles.reduce((a, b) => a + b, 0) / singles.length;
  log(`gemma: a warm call alone takes ${latencyMs.toFixed(0)} ms; C = ${engineSettings.sequences} sequences; model threads ${threads.join(",")}`);
  for (const nice of NICE) {
    setNice(threads, nice);
    for (const percent of POINTS) {
      const point = operatingPoint(percent, engineSettings.sequences, latencyMs, SHARE);
      const counting = new CountingEngine(gemma, latencyMs);
      const r = await runPoint(
        kafka,
        `gemma-n${nice}-${percent}`,
        { port: counting, capacity: engineSettings.sequences, latencyMs, busySlotMs: (t) => counting.busySlotMs(t) },
        point,
      );
      log(`gemma (threads ${engineSettings.threads}, model threads nice ${nice}), ${describe(r)}`);
      points[`gemma_nice${nice}_${percent}`] = { ...r, nice, single_call_ms: Math.round(latencyMs) };
      if (nice === NICE.at(-1)) headline.push(r);
    }
  }
  setNice(threads, 0);
  await (gemma as EnginePort & { dispose(): Promise<void> }).dispose();
}

// The simulated engine keyed as Arbiter's own producer keys (post id), at 90 and 110 %, for comparison.
if (!GEMMA && KEY !== "post" && !process.argv.includes("--no-post-keys")) {
  for (const percent of POINTS.filter((p) => p >= 90)) {
    const engine = new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY);
    const measured: Measured = { port: engine, capacity: SIM_CAPACITY, latencyMs: SIM_LATENCY_MS, busySlotMs: (t) => engine.busySlotMs(t) };
    const r = await runPoint(kafka, `sim-${percent}-post`, measured, operatingPoint(percent, SIM_CAPACITY, SIM_LATENCY_MS, SHARE), "post");
    log(`simulated C=${SIM_CAPACITY} L=${SIM_LATENCY_MS} ms, ${describe(r)}`);
    points[`sim_${percent}_post_keys`] = r;
  }
}

const headlineAt = (percent: number) => headline.find((r) => r.percent === percent);
const top = headline.reduce((a, b) => (b.percent > a.percent ? b : a), headline[0]!);
const at90 = headlineAt(90) ?? top;
console.log(
  JSON.stringify({
    bench: "latency",
    engine: GEMMA
      ? `gemma-3-270m (CPU, ${engineSettings.sequences} sequences, threads ${engineSettings.threads})`
      : `simulated C=${SIM_CAPACITY} L=${SIM_LATENCY_MS} ms`,
    machine: `${cpus().length}x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
    load_avg_start: loadStart.map((x) => round(x, 2)),
    load_avg_end: loadavg().map((x) => round(x, 2)),
    model_share: SHARE,
    key: KEY,
    zipf: { threads: THREADS, authors: AUTHORS, s: ZIPF_S },
    seconds_per_point: SECONDS,
    audit_sample_rate: 0,
    utilisation: top.utilisation,
    utilisation_at_percent: top.percent,
    p99_prefilter_ms: at90.prefilter.p99_ms,
    p99_prefilter_at_percent: at90.percent,
    // The same figures keyed by post id (no key repeats), where run.
    utilisation_post_keys: (points[`sim_${top.percent}_post_keys`] as PointResult | undefined)?.utilisation ?? null,
    p99_prefilter_ms_post_keys: (points[`sim_${at90.percent}_post_keys`] as PointResult | undefined)?.prefilter.p99_ms ?? null,
    second_look_share: secondLook?.share ?? null,
    p99_model_delta: secondLook ? round(secondLook.modelP99Ms / at90.model.p99_ms - 1, 3) : null,
    ...(secondLook ? {} : { second_look: "not built on this branch" }),
    points,
  }),
);
process.exit(0);
