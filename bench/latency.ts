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
// model, which is not what is measured here. Second look is off at these points.
// Second look (simulated engine; `--no-second-look` skips it): the 25, 50 and 90 % points run
// again with `secondLook.enabled` (the runner in its own consumer group on the same kind of
// engine, whose queue is the production SequencePool: priority classes, onlyIfIdle), for
// `second_look_share` (allows reviewed ÷ allows produced) and model-bound p99 on ÷ off − 1
// (`p99_model_delta`, the worst of the 25/50/90 % points). Model-bound arrivals at 25/50 % leave the model room for only
// (C/L − model arrivals) ÷ allows of the allows (`room`); so the share goal (≥ 0.95 with arrivals
// ≤ 50 % of capacity) is also measured with ALL posts arriving at 25 and 50 % of C/L.
//
// Usage: npm run bench:latency [-- --engine simulated|gemma --points 25,50,90,110 --seconds 12
//   --share 0.1 --key thread|author|post --threads 2000 --authors 5000 --zipf-s 1 --nice 0,19
//   --no-post-keys --no-second-look --reserve N]
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
import {
  allArrivalsPoint,
  blockedByKey,
  operatingPoint,
  secondLookRoom,
  percentile,
  utilisationOf,
  Zipf,
  type Observed,
  type OperatingPoint,
} from "./load-model.js";
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
const SECOND_LOOK = !process.argv.includes("--no-second-look");
/** secondLook.reserveSequences for the second-look runs; absent: the setting's default. */
const RESERVE = process.argv.includes("--reserve") ? Number(arg("reserve", "0")) : undefined;

const run = `latency-${Date.now().toString(36)}`;
/** LOG_LEVEL=info shows the workers' logs (on stdout, before the result line). */
const logger = process.env.LOG_LEVEL ? createLogger("bench-worker", process.env.LOG_LEVEL) : silentLogger;
const codecs = createCodecs();
const engineSettings = gemmaEngineSettings(60);
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

function configFor(name: string, secondLook = false): ArbiterConfig {
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
    // Off unless it is what is measured (secondLookScenario).
    secondLook: { enabled: secondLook, groupId: `${run}-${name}-second-look`, ...(RESERVE === undefined ? {} : { reserveSequences: RESERVE }) },
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
  /** The simulated engine's primary calls' waits for a sequence so far (ms); absent for Gemma. */
  primaryWaitsMs?: readonly number[];
}

/** The simulated engine as the points measure it. */
function measuredSimulated(engine: SimulatedEngine): Measured {
  return { port: engine, capacity: SIM_CAPACITY, latencyMs: SIM_LATENCY_MS, busySlotMs: (t) => engine.busySlotMs(t), primaryWaitsMs: engine.primaryWaitsMs };
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
async function runPoint(kafka: Kafka, name: string, engine: Measured, point: OperatingPoint, keyMode: KeyMode = KEY, secondLook = false) {
  const config = configFor(name, secondLook);
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
    const waits0 = engine.primaryWaitsMs?.length ?? 0;
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
    const lookAtWindowEnd = worker.secondLook ? { ...worker.secondLook } : null;
    const schedule1 = mainThreadSchedule();
    const utilisation = utilisationOf(engine.busySlotMs(ended) - busy0, engine.capacity, ended - started);
    loopDelay.disable();
    await producer.disconnect();
    const seen = await readDecisions(kafka, config.kafka.topics.decisions, `${run}-${name}-read`, total, 300_000);
    const lookAtDecided = worker.secondLook ? { ...worker.secondLook } : null;
    const decidedAfterMs = Math.round(performance.now() - ended);
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
      // Simulated engine: how long the posts the prefilter sent waited for a sequence (the engine's share of model-bound latency).
      ...(engine.primaryWaitsMs ? { engine_wait_primary: figures(engine.primaryWaitsMs.slice(waits0)) } : {}),
      // Second look on: its counts when traffic stopped and when the last post's decision was read (decided_after_ms later).
      ...(lookAtWindowEnd && lookAtDecided
        ? { second_look: { allows: prefilter.length, at_window_end: lookAtWindowEnd, at_decided: lookAtDecided, decided_after_ms: decidedAfterMs } }
        : {}),
    };
  } finally {
    await worker.stop();
  }
}
type PointResult = Awaited<ReturnType<typeof runPoint>>;

/**
 * Second look (issue 20): runs `point` again with the second look on (a fresh worker and engine,
 * its own consumer group) and compares it with the run with it off. `share` is the allows
 * reviewed by the time the last post's decision was read ÷ the allows produced (prefilter-decided
 * posts); `share_at_window_end` the same when traffic stopped; `reviewed_of_seen` is
 * reviewed ÷ seen (seen counts only allows the runner had read, so it flatters a lagging runner);
 * `room` the most any runner could review in steady state (secondLookRoom).
 */
async function secondLookScenario(kafka: Kafka, name: string, point: OperatingPoint, off: PointResult | null, arrivals: "model" | "all") {
  const engine = new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY);
  const on = await runPoint(kafka, name, measuredSimulated(engine), point, KEY, true);
  await engine.dispose();
  const look = on.second_look!;
  const result = {
    arrivals,
    share: round(look.at_decided.reviewed / Math.max(1, look.allows), 3),
    share_at_window_end: round(look.at_window_end.reviewed / Math.max(1, look.allows), 3),
    reviewed_of_seen: round(look.at_decided.reviewed / Math.max(1, look.at_decided.seen), 3),
    room: round(secondLookRoom(point), 3),
    model_p99_on_ms: on.model.p99_ms,
    model_p99_off_ms: off?.model.p99_ms ?? null,
    p99_model_delta: off ? round(on.model.p99_ms / off.model.p99_ms - 1, 3) : null,
    // The simulated engine's own part: how long posts the prefilter sent waited for a sequence (p99), on and off.
    engine_wait_p99_on_ms: on.engine_wait_primary?.p99_ms ?? null,
    engine_wait_p99_off_ms: off?.engine_wait_primary?.p99_ms ?? null,
    prefilter_p99_on_ms: on.prefilter.p99_ms,
    prefilter_p99_off_ms: off?.prefilter.p99_ms ?? null,
    utilisation_on: on.utilisation,
    utilisation_off: off?.utilisation ?? null,
    on,
  };
  log(
    `second look, ${arrivals === "all" ? "all posts" : "model-bound posts"} at ${point.percent} % of C/L: share ${result.share} ` +
      `(at window end ${result.share_at_window_end}; reviewed of seen ${result.reviewed_of_seen}; room ${result.room}; ` +
      `${look.at_decided.reviewed} of ${look.allows} allows, skipped ${look.at_decided.skipped}, failed ${look.at_decided.failed}); ` +
      `model p99 ${result.model_p99_on_ms} ms on / ${result.model_p99_off_ms ?? "–"} ms off (delta ${result.p99_model_delta ?? "–"}); utilisation ${result.utilisation_on}; ${describe(on)}`,
  );
  return result;
}
type SecondLookResult = Awaited<ReturnType<typeof secondLookScenario>>;

/** The largest p99_model_delta over the model-bound second-look points, and where it was. */
function worstDelta(): { p99_model_delta: number | null; p99_model_delta_at: string | null } {
  const deltas = Object.entries(secondLook)
    .filter(([k, v]) => k.startsWith("model_") && v.p99_model_delta !== null)
    .sort((a, b) => b[1].p99_model_delta! - a[1].p99_model_delta!);
  const worst = deltas[0];
  return worst
    ? {
        p99_model_delta: worst[1].p99_model_delta,
        p99_model_delta_at: `model-bound posts at ${worst[0].slice("model_".length)} % of C/L (worst of ${deltas.length})`,
      }
    : { p99_model_delta: null, p99_model_delta_at: null };
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
const secondLook: Record<string, SecondLookResult> = {};

if (!GEMMA) {
  const at = (percent: number) => operatingPoint(percent, SIM_CAPACITY, SIM_LATENCY_MS, SHARE);
  for (const percent of POINTS) {
    const engine = new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY);
    const r = await runPoint(kafka, `sim-${percent}`, measuredSimulated(engine), at(percent));
    log(`simulated C=${SIM_CAPACITY} L=${SIM_LATENCY_MS} ms, ${describe(r)}`);
    points[`sim_${percent}`] = r;
    headline.push(r);
    if (SECOND_LOOK && [25, 50, 90].includes(percent))
      secondLook[`model_${percent}`] = await secondLookScenario(kafka, `sim-${percent}-sl`, at(percent), r, "model");
  }
  // The share goal's own load: every post (not only the model-bound ones) arriving at 25 and 50 % of C/L.
  if (SECOND_LOOK) {
    for (const percent of [25, 50]) {
      const point = allArrivalsPoint(percent, SIM_CAPACITY, SIM_LATENCY_MS, SHARE);
      const engine = new SimulatedEngine(SIM_LATENCY_MS, SIM_CAPACITY);
      const off = await runPoint(kafka, `sim-all${percent}`, measuredSimulated(engine), point);
      log(`simulated C=${SIM_CAPACITY} L=${SIM_LATENCY_MS} ms, all posts at ${describe(off)}`);
      points[`sim_all_posts_${percent}`] = off;
      secondLook[`all_${percent}`] = await secondLookScenario(kafka, `sim-all${percent}-sl`, point, off, "all");
    }
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
    const r = await runPoint(kafka, `sim-${percent}-post`, measuredSimulated(engine), operatingPoint(percent, SIM_CAPACITY, SIM_LATENCY_MS, SHARE), "post");
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
    // The share goal is stated for arrivals ≤ 50 % of capacity: all posts at 50 % of C/L (model-bound posts at 50 %: second_look.model_50).
    second_look_share: secondLook.all_50?.share ?? null,
    second_look_share_at: secondLook.all_50 ? "all posts at 50 % of C/L" : null,
    second_look_reserve_sequences: configFor("probe", true).secondLook.reserveSequences,
    // The worst of the model-bound points (25, 50, 90 % of C/L): the goal names no point.
    ...worstDelta(),
    second_look: Object.fromEntries(Object.entries(secondLook).map(([k, { on: _on, ...rest }]) => [k, rest])),
    ...(Object.keys(secondLook).length > 0 ? {} : { second_look_note: GEMMA ? "simulated engine only" : "skipped (--no-second-look or no 25/50/90 point)" }),
    points: { ...points, ...Object.fromEntries(Object.entries(secondLook).map(([k, v]) => [`sim_second_look_${k}`, v.on])) },
  }),
);
process.exit(0);
