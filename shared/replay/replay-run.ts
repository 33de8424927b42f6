import type { Kafka } from "kafkajs";
import type { Decision } from "../codec/records.js";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { UsageError } from "../errors/usage-error.js";
import { createKafka } from "../kafka/kafka-client.js";
import { createTopics, newTopic, topicSpecs } from "../kafka/topic-admin.js";
import type { Logger } from "../observability/logger.js";
import { candidatePolicies } from "./candidate-policies.js";
import { decodeRecord } from "../codec/topic-record.js";
import { ShippedSchemas } from "../codec/shipped-schemas.js";
import { loadRunEngine, startCandidateRun, type RunEngine } from "./candidate-run.js";
import { diffDecisions, type DecisionDiff } from "./decision-diff.js";
import type { DiffMeta } from "./diff-report.js";
import { readPlan, replayIdFor, writePlan, type ReplayPlan } from "./replay-plan.js";
import { rangeDone, rangeSize, type PartitionRange } from "./replay-range.js";
import { rangesFor, readRanges, watermarks } from "./topic-range-reader.js";

export interface ReplayOptions {
  /** `ID`, `ID@VERSION` or `FILE` (as every command reads `--policy`). */
  policy: string;
  from: string;
  to: string | null;
  forumId: string | null;
  apply: boolean;
  /** Over the id derived from the command (to resume a run by name). */
  replayId: string | null;
  /** Over `replay.maxModelCalls`. */
  maxModelCalls: number | null;
  /** A GGUF model file over `engine.modelPath`. */
  model: string | null;
  examples: number;
  signal: AbortSignal;
  logger: Logger;
  onProgress?: (done: number, total: number) => void;
  /** A plan was found: this run resumes it. */
  onPlan?: (plan: ReplayPlan, resumed: boolean) => void;
  /** Told once per warning about `policy` (a deprecated form). */
  warn?: (message: string) => void;
}

/** Parts a test puts in place of the configured ones. */
export interface ReplayOverrides {
  engine?: RunEngine;
  kafka?: Kafka;
  now?: () => number;
}

export interface ReplayOutcome {
  plan: ReplayPlan;
  resumed: boolean;
  /** Stopped by the signal before the range was done (the same command resumes). */
  interrupted: boolean;
  /** Records of the range done, of all. */
  done: number;
  total: number;
  /** Set when the range is done. */
  diff: DecisionDiff | null;
  meta: DiffMeta;
}

const groupOf = (config: ArbiterConfig, replayId: string) => `${config.kafka.groupId}.replay.${replayId}`;

/** Each partition's committed offset of a group (null: none). */
async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, string | null>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset) < 0n ? null : p.offset]));
  } finally {
    await admin.disconnect();
  }
}

async function planReplay(
  kafka: Kafka,
  config: ArbiterConfig,
  options: ReplayOptions,
  base: Omit<ReplayPlan, "ranges" | "shadowStart" | "createdAt">,
  now: number,
): Promise<ReplayPlan> {
  let ranges: PartitionRange[];
  try {
    ranges = await rangesFor(kafka, config.kafka.topics.posts, options.from, options.to, now);
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith("KafkaJS")) throw error;
    throw new UsageError(`--from/--to: ${(error as Error).message}`);
  }
  const shadowStart = (await watermarks(kafka, config.kafka.topics.shadow)).map((w) => ({ partition: w.partition, offset: w.high }));
  return { ...base, ranges, shadowStart, createdAt: new Date(now).toISOString() };
}

/**
 * Replays the posts topic over a range under a candidate policy version: plans the range (or
 * reads the plan of an earlier, interrupted run of the same command), decides every post in it
 * exactly once in a consumer group of the replay's own, then compares the replayed decisions
 * with those in force.
 */
export async function runReplay(config: ArbiterConfig, options: ReplayOptions, overrides: ReplayOverrides = {}): Promise<ReplayOutcome> {
  const log = options.logger.child({ replay: true });
  const now = overrides.now ?? Date.now;
  const { set, candidate, warnings } = await candidatePolicies(options.policy, config);
  for (const warning of warnings) options.warn?.(warning);
  const candidateName = `${candidate.id}@${candidate.version}`;
  const topics = config.kafka.topics;
  const kafka = overrides.kafka ?? createKafka(config.kafka, `${config.kafka.clientId}-replay`, log);
  if (config.kafka.createTopics) await createTopics(kafka, topicSpecs(topics, config.topics).map(newTopic));

  const replayId =
    options.replayId ??
    replayIdFor({ candidate: candidateName, from: options.from, to: options.to, forumId: options.forumId, apply: options.apply, postsTopic: topics.posts });
  const stateDir = resolveFromRoot(config.replay.stateDir);
  const earlier = readPlan(stateDir, replayId);
  if (earlier && earlier.candidate !== candidateName) throw new UsageError(`replay ${replayId} was planned under ${earlier.candidate}, not ${candidateName}`);
  const plan =
    earlier ??
    (await planReplay(
      kafka,
      config,
      options,
      {
        replayId,
        policyRef: options.policy,
        candidate: candidateName,
        policySetVersion: set.version,
        from: options.from,
        to: options.to,
        forumId: options.forumId,
        apply: options.apply,
        postsTopic: topics.posts,
      },
      now(),
    ));
  if (!earlier) writePlan(stateDir, plan);
  options.onPlan?.(plan, earlier !== null);
  const meta: DiffMeta = {
    title: "replay",
    replayId,
    policy: candidateName,
    range: `${plan.from} .. ${plan.to ?? "the end at the start"}${plan.forumId ? `, forum ${plan.forumId}` : ""}${plan.apply ? ", applied" : ""}`,
    createdAt: plan.createdAt,
  };

  const groupId = groupOf(config, replayId);
  const total = rangeSize(plan.ranges);
  let committed = await committedOffsets(kafka, groupId, topics.posts);
  if ([...committed.values()].every((c) => c === null)) {
    // A new group starts at the range's start; later runs go on from what it committed.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId, topic: topics.posts, partitions: plan.ranges.map((r) => ({ partition: r.partition, offset: r.start })) });
    } finally {
      await admin.disconnect();
    }
    committed = await committedOffsets(kafka, groupId, topics.posts);
  }
  let done = rangeDone(plan.ranges, committed);
  options.onProgress?.(done, total);
  let interrupted = false;
  if (done < total && !options.signal.aborted) {
    const maxModelCalls = options.maxModelCalls ?? config.replay.maxModelCalls;
    // With --apply, a post a moderator, an appeal or the escalation tier decided keeps that decision.
    const humanDecided = plan.apply ? await protectedPosts(kafka, config) : undefined;
    const engine = overrides.engine ?? (await loadRunEngine(config, maxModelCalls, options.model, log));
    let fatal: Error | null = null;
    const run = await startCandidateRun({
      config,
      kafka,
      set,
      scope: { replayId, ranges: plan.ranges, forumId: plan.forumId, apply: plan.apply, humanDecided },
      groupId,
      engine,
      ownsEngine: overrides.engine === undefined,
      maxModelCalls,
      logger: log,
      onFatal: (error) => (fatal = error),
    });
    try {
      while (done < total && !options.signal.aborted && fatal === null) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        done = rangeDone(plan.ranges, await committedOffsets(kafka, groupId, topics.posts));
        options.onProgress?.(done, total);
      }
    } finally {
      await run.stop();
    }
    if (fatal !== null) throw fatal;
    interrupted = done < total;
  }
  if (interrupted) return { plan, resumed: earlier !== null, interrupted, done, total, diff: null, meta };
  const diff = await diffReplay(
    kafka,
    config,
    plan,
    set.policies.map((p) => p.id),
    options.examples,
  );
  return { plan, resumed: earlier !== null, interrupted: false, done, total, diff, meta };
}

/** The replay's decisions (from the shadow topic) against the decisions in force for the same posts (the decisions topic, this replay's own left out). */
export async function diffReplay(
  kafka: Kafka,
  config: ArbiterConfig,
  plan: Pick<ReplayPlan, "replayId" | "shadowStart">,
  policyIds: readonly string[],
  examples: number,
): Promise<DecisionDiff> {
  const topics = config.kafka.topics;
  const shadowEnd = await watermarks(kafka, topics.shadow);
  const shadowRanges = shadowEnd.map((w) => ({
    partition: w.partition,
    start: plan.shadowStart.find((s) => s.partition === w.partition)?.offset ?? w.low,
    end: w.high,
  }));
  const replayed = await readDecisions(kafka, topics.shadow, shadowRanges, (d) => d.replayId === plan.replayId);
  return diffDecisions(replayed, await decisionsInForce(kafka, config, new Set(replayed.keys()), plan.replayId), policyIds, examples);
}

/** The latest decision per post of `postIds` on the decisions topic, the given replay's own left out. */
export async function decisionsInForce(
  kafka: Kafka,
  config: ArbiterConfig,
  postIds: ReadonlySet<string>,
  exceptReplayId: string | null,
): Promise<Map<string, Decision>> {
  if (postIds.size === 0) return new Map();
  const topic = config.kafka.topics.decisions;
  const ranges = (await watermarks(kafka, topic)).map((w) => ({ partition: w.partition, start: w.low, end: w.high }));
  return readDecisions(kafka, topic, ranges, (d) => postIds.has(d.postId) && (exceptReplayId === null || d.replayId !== exceptReplayId));
}

/**
 * Posts a replay's --apply leaves alone: their latest decision on the decisions topic is a
 * moderator's, an appeal's, or the escalation tier's (the larger model at high effort, over the
 * primary-tier pipeline a replay runs). Their replay decisions still go to the shadow topic.
 */
const PROTECTED_STAGES: ReadonlySet<Decision["stage"]> = new Set(["human", "appeal", "escalation"]);

async function protectedPosts(kafka: Kafka, config: ArbiterConfig): Promise<Set<string>> {
  const topic = config.kafka.topics.decisions;
  const ranges = (await watermarks(kafka, topic)).map((w) => ({ partition: w.partition, start: w.low, end: w.high }));
  const latest = await readDecisions(kafka, topic, ranges, () => true);
  return new Set([...latest.values()].filter((d) => PROTECTED_STAGES.has(d.stage)).map((d) => d.postId));
}

/**
 * The last decision per post over the ranges that `keep` keeps. Records are read by their
 * fingerprint header in either output format (Arbiter's Avro, or the Confluent frame around it);
 * records that are no decision Arbiter can read are skipped.
 */
export async function readDecisions(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  keep: (d: Decision) => boolean,
): Promise<Map<string, Decision>> {
  const schemas = ShippedSchemas.load();
  const out = new Map<string, Decision>();
  await readRanges(kafka, topic, ranges, (record) => {
    const decoded = decodeRecord(schemas, record);
    if (decoded.kind !== "decision") return;
    if (keep(decoded.value)) out.set(decoded.value.postId, decoded.value);
  });
  return out;
}
