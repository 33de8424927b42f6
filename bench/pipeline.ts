// npm run bench:pipeline — the classifier worker's throughput on the local broker.
//
//   1. posts that all miss the prefilter (the path most traffic takes): the worker (at-least-once
//      and exactly-once) vs a bare kafkajs consume -> produce passthrough of the same records on
//      the same broker, same run; each timed from its first record consumed to its last record
//      produced and committed (the group's committed offsets reach the end of the topic);
//   2. posts that all go to the small real model: the worker vs the engine's own ceiling
//      (the same posts straight into SafeguardEngine.classify, same concurrency).
// Needs Kafka and Redis running (bash scripts/services.sh start) and the test models.
// Last line: one JSON object with the figures.
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { cpus } from "node:os";
import type { Admin, Kafka } from "kafkajs";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import type { Post } from "@arbiter/shared/codec/records.js";
import { createKafka, ensureTopics } from "@arbiter/shared/kafka/kafka-client.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { startClassifierWorker } from "../workers/classifier/classifier-worker.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { loadEnginePort } from "@arbiter/shared/pipeline/engine-port.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { gemmaEngineSettings } from "./gemma-engine-settings.js";

const N = Number(process.env.BENCH_POSTS ?? 50_000);
/** Rounds of part 1: each runs the passthrough and the worker over the same posts (order alternating); figures are medians. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const M = Number(process.env.BENCH_MODEL_POSTS ?? 24);
/** Records per produce + commit, for the worker (kafka.maxRecordsPerCommit) and the baseline alike. */
const CHUNK = Number(process.env.BENCH_CHUNK ?? 500);
const run = `bench-${Date.now().toString(36)}`;
const codecs = createCodecs();
const engineSettings = gemmaEngineSettings(120);

/** A worker config on this run's topics for `name`; `group` names the consumer group (a fresh one reads from the start). */
function configFor(name: string, overrides: Record<string, unknown> = {}, group = name, exactlyOnce = false): ArbiterConfig {
  return loadConfig({
    workerId: `${run}-${group}`,
    kafka: {
      exactlyOnce,
      groupId: `${run}-${group}`,
      transactionalIdPrefix: `${run}-${group}`,
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
    cache: { keyPrefix: `${run}:` },
    // Funnel audit sampling off: it sends a share of the misses to the model, which is not what part 1 measures.
    pipeline: { auditSampleRate: 0 },
    engine: engineSettings,
    http: { port: 0 },
    log: { level: "silent" },
    ...overrides,
  });
}

async function produce(kafka: Kafka, topic: string, posts: Post[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < posts.length; i += 2000) {
    await producer.send({ topic, acks: -1, messages: posts.slice(i, i + 2000).map((p) => ({ key: p.id, ...codecs.post.encode(p) })) });
  }
  await producer.disconnect();
}

interface PhaseFigures {
  seconds: number;
  /** Main-thread event-loop busy share. */
  mainBusy: number;
  /** Main-thread CPU seconds. */
  mainCpu: number;
  /** CPU seconds of the whole process, every thread (screen threads, kafkajs, libuv) counted. */
  processCpu: number;
}

/** Times a phase from its first record (`start`, idempotent) to `stop`: wall time, main-thread busy share and CPU, process CPU. */
class PhaseClock {
  private first = 0;
  private elu = performance.eventLoopUtilization();
  private cpu0 = 0;
  private process0 = process.cpuUsage();

  start(): void {
    if (this.first !== 0) return;
    this.first = performance.now();
    this.elu = performance.eventLoopUtilization();
    this.cpu0 = mainThreadCpu();
    this.process0 = process.cpuUsage();
  }

  stop(): PhaseFigures {
    const cpu = process.cpuUsage(this.process0);
    return {
      seconds: (performance.now() - this.first) / 1000,
      mainBusy: performance.eventLoopUtilization(this.elu).utilization,
      mainCpu: mainThreadCpu() - this.cpu0,
      processCpu: (cpu.user + cpu.system) / 1e6,
    };
  }
}

/** Whether the group's committed offsets have reached the end of the topic (every record committed). */
async function allCommitted(admin: Admin, group: string, topic: string): Promise<boolean> {
  const [committed, ends] = await Promise.all([admin.fetchOffsets({ groupId: group, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
  const at = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
  return ends.every((e) => (at.get(e.partition) ?? -1n) >= BigInt(e.high));
}

/** The baseline: consume a batch, produce every record to another topic, commit; nothing else. */
async function passthrough(kafka: Kafka, from: string, to: string, expected: number, group: string): Promise<PhaseFigures> {
  const stopProfile = await startProfile(group);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${run}-${group}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  let done = 0;
  const clock = new PhaseClock();
  const figures = await new Promise<PhaseFigures>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset }) => {
        clock.start();
        for (let i = 0; i < batch.messages.length; i += CHUNK) {
          const chunk = batch.messages.slice(i, i + CHUNK);
          await producer.sendBatch({
            acks: -1,
            topicMessages: [{ topic: to, messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) }],
          });
          const last = chunk.at(-1)!.offset;
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
          resolveOffset(last);
          done += chunk.length;
        }
        if (done >= expected) resolve(clock.stop());
      },
    });
  });
  await stopProfile();
  await consumer.disconnect();
  await producer.disconnect();
  return figures;
}

/** Runs the worker on a filled posts topic; seconds from its first consumed record to its last commit (every output is produced before it). */
async function workerRun(config: ArbiterConfig, expected: number, phase: string): Promise<PhaseFigures & { modelVerdicts: number }> {
  const worker = await startClassifierWorker(config, silentLogger);
  const stopProfile = await startProfile(phase);
  const clock = new PhaseClock();
  const admin = kafka.admin();
  await admin.connect();
  for (;;) {
    if ((await worker.metrics.value("arbiter_consumed_total", { topic: "posts" })) > 0) clock.start();
    const decided = (
      await Promise.all(
        ["prefilter", "primary"].flatMap((stage) =>
          ["ALLOW", "HIDE", "REVIEW"].map((action) => worker.metrics.value("arbiter_decisions_total", { stage, action })),
        ),
      )
    ).reduce((a, b) => a + b, 0);
    if (decided >= expected && (await allCommitted(admin, config.kafka.groupId, config.kafka.topics.posts))) break;
    await new Promise((r) => setTimeout(r, decided >= expected ? 10 : 5));
  }
  await admin.disconnect();
  const figures = clock.stop();
  await stopProfile();
  const modelVerdicts = await worker.metrics.value("arbiter_engine_latency_seconds_count");
  await worker.stop();
  return { ...figures, modelVerdicts };
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
function benignText(i: number): string {
  const len = 4 + (i % 12);
  return Array.from({ length: len }, (_, k) => words[(i * 7 + k * 13) % words.length]).join(" ") + ` ${i}`;
}

const base = configFor("probe");
const kafka = createKafka(base.kafka, `${run}-bench`, silentLogger);
try {
  await kafka.admin().connect();
} catch (error) {
  throw new Error(`Kafka is not reachable at ${base.kafka.brokers.join(",")}: run \`bash scripts/services.sh start\` (${(error as Error).message})`);
}

// Part 1: prefilter misses.
const benign: Post[] = Array.from({ length: N }, (_, i) => ({
  id: `b${i}`,
  forumId: "general",
  authorId: "a",
  text: benignText(i),
  language: null,
  createdAt: Date.now(),
  metadata: {},
  threadId: null,
}));
const missConfig = configFor("miss");
const passTopic = `${run}.passthrough.out`;
await ensureTopics(kafka, [missConfig.kafka.topics.posts, passTopic], 3);
await produce(kafka, missConfig.kafka.topics.posts, benign);
process.stderr.write(`produced ${N} posts; ${ROUNDS} rounds of passthrough and worker...\n`);
/**
 * CPU seconds the main thread has used (Linux: /proc/self/task/<pid>/stat; the main thread's
 * id is the process id). Unlike wall time, other jobs on a shared machine do not inflate it.
 */
function mainThreadCpu(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** With BENCH_PROFILE=dir, each phase of round 1 is CPU-profiled on the main thread (from its start, worker loaded) into dir/<phase>.cpuprofile. */
async function startProfile(phase: string): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir || !phase.endsWith("-0")) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(`${dir}/${phase}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Round {
  worker: number;
  exactlyOnce: number;
  passthrough: number;
  ratio: number;
  exactlyOnceRatio: number;
  workerBusy: number;
  passthroughBusy: number;
  workerCpuUs: number;
  passthroughCpuUs: number;
  workerProcessCpuUs: number;
  exactlyOnceProcessCpuUs: number;
  passthroughProcessCpuUs: number;
}
const rounds: Round[] = [];
const us = (cpuSeconds: number) => (cpuSeconds / N) * 1e6;
for (let r = 0; r < ROUNDS; r++) {
  // Rotate which goes first, so a slow stretch of a shared machine does not always fall on one.
  const runPassthrough = () => passthrough(kafka, missConfig.kafka.topics.posts, passTopic, N, `passthrough-${r}`);
  const runWorker = () => workerRun(configFor("miss", {}, `miss-${r}`), N, `worker-${r}`);
  const runExactlyOnce = () => workerRun(configFor("miss", {}, `miss-eos-${r}`, true), N, `worker-eos-${r}`);
  const order = [runPassthrough, runWorker, runExactlyOnce];
  const figures = new Map<unknown, PhaseFigures & { modelVerdicts?: number }>();
  for (let k = 0; k < order.length; k++) {
    const phase = order[(k + r) % order.length]!;
    figures.set(phase, await phase());
  }
  const pass = figures.get(runPassthrough)!;
  const miss = figures.get(runWorker)!;
  const eos = figures.get(runExactlyOnce)!;
  if (miss.modelVerdicts !== 0 || eos.modelVerdicts !== 0) throw new Error("benchmark posts were meant to miss the prefilter, but some reached the model");
  rounds.push({
    worker: N / miss.seconds,
    exactlyOnce: N / eos.seconds,
    passthrough: N / pass.seconds,
    ratio: pass.seconds / miss.seconds,
    exactlyOnceRatio: pass.seconds / eos.seconds,
    workerBusy: miss.mainBusy,
    passthroughBusy: pass.mainBusy,
    workerCpuUs: us(miss.mainCpu),
    passthroughCpuUs: us(pass.mainCpu),
    workerProcessCpuUs: us(miss.processCpu),
    exactlyOnceProcessCpuUs: us(eos.processCpu),
    passthroughProcessCpuUs: us(pass.processCpu),
  });
  process.stderr.write(
    `round ${r + 1}/${ROUNDS}: worker ${(N / miss.seconds).toFixed(0)} posts/s, exactly-once ${(N / eos.seconds).toFixed(0)} posts/s, passthrough ${(N / pass.seconds).toFixed(0)} posts/s, ratio ${(pass.seconds / miss.seconds).toFixed(2)} (exactly-once ${(pass.seconds / eos.seconds).toFixed(2)}); main thread busy: worker ${(miss.mainBusy * 100).toFixed(0)} %, passthrough ${(pass.mainBusy * 100).toFixed(0)} %; CPU per post, main thread / process: worker ${us(miss.mainCpu).toFixed(1)} / ${us(miss.processCpu).toFixed(1)} µs, exactly-once ${us(eos.mainCpu).toFixed(1)} / ${us(eos.processCpu).toFixed(1)} µs, passthrough ${us(pass.mainCpu).toFixed(1)} / ${us(pass.processCpu).toFixed(1)} µs\n`,
  );
}
const med = (f: (x: Round) => number, digits: number) => Number(median(rounds.map(f)).toFixed(digits));
const part1 = {
  posts: N,
  rounds: ROUNDS,
  worker_posts_per_s: Math.round(median(rounds.map((x) => x.worker))),
  exactly_once_posts_per_s: Math.round(median(rounds.map((x) => x.exactlyOnce))),
  passthrough_posts_per_s: Math.round(median(rounds.map((x) => x.passthrough))),
  vs_passthrough: med((x) => x.ratio, 2),
  vs_passthrough_rounds: rounds.map((x) => Number(x.ratio.toFixed(2))),
  exactly_once_vs_passthrough: med((x) => x.exactlyOnceRatio, 2),
  worker_main_thread_busy: med((x) => x.workerBusy, 2),
  passthrough_main_thread_busy: med((x) => x.passthroughBusy, 2),
  /** Main-thread CPU per post: what bounds either side on a machine with a core to spare. */
  worker_main_cpu_us_per_post: med((x) => x.workerCpuUs, 1),
  passthrough_main_cpu_us_per_post: med((x) => x.passthroughCpuUs, 1),
  vs_passthrough_main_cpu: med((x) => x.passthroughCpuUs / x.workerCpuUs, 2),
  /** Process CPU per post, every thread counted (the worker's screen threads too). */
  worker_cpu_us_per_post: med((x) => x.workerProcessCpuUs, 1),
  exactly_once_cpu_us_per_post: med((x) => x.exactlyOnceProcessCpuUs, 1),
  passthrough_cpu_us_per_post: med((x) => x.passthroughProcessCpuUs, 1),
  vs_passthrough_cpu: med((x) => x.passthroughProcessCpuUs / x.workerProcessCpuUs, 2),
};

if (M === 0) {
  console.log(
    JSON.stringify({ bench: "pipeline", machine: `${cpus().length}x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`, audit_sample_rate: 0, ...part1 }),
  );
  process.exit(0);
}

// Part 2: every post goes to the model (one policy: cheats, gaming forum).
const policies = await loadPolicySet(resolveFromRoot("config/policies"));
const cheats = policies.get("cheats")!;
const flagged: Post[] = Array.from({ length: M }, (_, i) => ({
  id: `m${i}`,
  forumId: "gaming",
  authorId: "a",
  text: `selling aimbot and wallhack bundle number ${i}, undetected, dm me`,
  language: null,
  createdAt: Date.now(),
  metadata: {},
  threadId: null,
}));
const modelConfig = configFor("model", { policies: { dir: "config/policies", only: ["cheats"] }, cache: { enabled: false } });
await ensureTopics(kafka, [modelConfig.kafka.topics.posts], 3);
await produce(kafka, modelConfig.kafka.topics.posts, flagged);
const modelRun = await workerRun(modelConfig, M, "model");
if (modelRun.modelVerdicts < M) throw new Error(`only ${modelRun.modelVerdicts} of ${M} model posts reached the model`);
process.stderr.write(`worker with model ${(M / modelRun.seconds).toFixed(2)} posts/s; engine ceiling...\n`);

const engine = await loadEnginePort(engineSettings, silentLogger);
// Warm the prefix once per sequence, as the worker's run did.
await Promise.all(
  [0, 1].map(() =>
    engine.classify({
      postText: "warm up",
      policies: [{ id: cheats.id, version: cheats.version, text: cheats.body, effort: "low", ruleIds: cheats.rules.map((r) => r.id) }],
    }),
  ),
);
const t0 = performance.now();
await Promise.all(
  flagged.map((p) =>
    engine.classify({
      postText: p.text,
      policies: [{ id: cheats.id, version: cheats.version, text: cheats.body, effort: "low", ruleIds: cheats.rules.map((r) => r.id) }],
    }),
  ),
);
const engineSeconds = (performance.now() - t0) / 1000;
await engine.dispose();

const result = {
  bench: "pipeline",
  machine: `${cpus().length}x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
  audit_sample_rate: 0,
  ...part1,
  model_posts: M,
  model: "gemma-3-270m-q4_k_m (CPU, 2 sequences, threads 1)",
  worker_model_posts_per_s: Number((M / modelRun.seconds).toFixed(2)),
  engine_ceiling_posts_per_s: Number((M / engineSeconds).toFixed(2)),
  vs_engine: Number((engineSeconds / modelRun.seconds).toFixed(2)),
};
console.log(JSON.stringify(result));
process.exit(0);
