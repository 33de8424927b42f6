import type { Kafka } from "kafkajs";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import { createKafka } from "../kafka/kafka-client.js";
import { createTopics, newTopic, topicSpecs } from "../kafka/topic-admin.js";
import type { Logger } from "../observability/logger.js";
import { policiesInForce } from "../policy-registry/policies-in-force.js";
import { candidatePolicies } from "./candidate-policies.js";
import { loadRunEngine, startCandidateRun, type RunEngine } from "./candidate-run.js";
import { diffDecisions, type DecisionDiff } from "./decision-diff.js";
import { decisionsInForce, readDecisions } from "./replay-run.js";
import { rangesFor, watermarks } from "./topic-range-reader.js";

/** Shadow runs tag their decisions `shadow-<policy>-<version>`; replays `r-<hash>`. */
export const SHADOW_PREFIX = "shadow-";

/**
 * The policy id of a shadow run's tag (`shadow-<policy>-<version>`; a version is hex, and has no
 * dash, so the id is all before the last one); null for a tag of no shadow run.
 */
export function shadowPolicyId(replayId: string | null | undefined): string | null {
  if (!replayId?.startsWith(SHADOW_PREFIX)) return null;
  const rest = replayId.slice(SHADOW_PREFIX.length);
  const dash = rest.lastIndexOf("-");
  return dash <= 0 ? null : rest.slice(0, dash);
}

export interface ShadowRun {
  /** The tag on every decision this run writes. */
  readonly replayId: string;
  readonly groupId: string;
  /** Drains, commits and closes. */
  stop(): Promise<void>;
  /** Resolves with an exit code when the run ends on its own (a fatal consumer crash). */
  readonly ended: Promise<number>;
}

/**
 * Shadow mode: a candidate policy version decides the live posts beside the live version, in a
 * consumer group of its own (new: from the end of the posts topic, so live traffic on), with a
 * bounded share of the model, and writes only to the shadow topic.
 */
export async function startShadowRun(
  config: ArbiterConfig,
  options: { policy: string; maxModelCalls: number | null; model: string | null; logger: Logger; warn?: (message: string) => void },
  overrides: { engine?: RunEngine; kafka?: Kafka } = {},
): Promise<ShadowRun> {
  const log = options.logger.child({ shadow: true });
  const { set, candidate, warnings } = await candidatePolicies(options.policy, config);
  for (const warning of warnings) options.warn?.(warning);
  const topics = config.kafka.topics;
  const kafka = overrides.kafka ?? createKafka(config.kafka, `${config.kafka.clientId}-shadow`, log);
  if (config.kafka.createTopics) await createTopics(kafka, topicSpecs(topics, config.topics).map(newTopic));
  const replayId = `${SHADOW_PREFIX}${candidate.id}-${candidate.version}`;
  const groupId = `${config.kafka.groupId}.shadow.${candidate.id}-${candidate.version}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topics.posts] });
    if ((entry?.partitions ?? []).every((p) => BigInt(p.offset) < 0n)) {
      const ends = await watermarks(kafka, topics.posts);
      await admin.setOffsets({ groupId, topic: topics.posts, partitions: ends.map((w) => ({ partition: w.partition, offset: w.high })) });
    }
  } finally {
    await admin.disconnect();
  }
  const maxModelCalls = options.maxModelCalls ?? config.replay.maxModelCalls;
  const engine = overrides.engine ?? (await loadRunEngine(config, maxModelCalls, options.model, log));
  let endWith: (code: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (endWith = resolve));
  const run = await startCandidateRun({
    config,
    kafka,
    set,
    scope: { replayId, ranges: null, forumId: null, apply: false },
    groupId,
    engine,
    ownsEngine: overrides.engine === undefined,
    maxModelCalls,
    logger: log,
    onFatal: () => endWith(1),
  });
  log.info({ replayId, candidate: `${candidate.id}@${candidate.version}`, policySet: set.version }, "shadow run started");
  let stopping: Promise<void> | null = null;
  return { replayId, groupId, ended, stop: () => (stopping ??= run.stop()) };
}

/**
 * The shadow decisions written over a time window (the latest per post; those of one policy's
 * candidates when `policyId` is given) against the decisions in force for the same posts.
 */
export async function shadowReport(
  kafka: Kafka,
  config: ArbiterConfig,
  window: { since: string; until: string | null; policyId: string | null },
  examples: number,
  now = Date.now(),
): Promise<DecisionDiff> {
  const ranges = await rangesFor(kafka, config.kafka.topics.shadow, window.since, window.until, now);
  // The policy id exactly: `self-harm` is not `self-harm-encouragement`.
  const shadowed = await readDecisions(kafka, config.kafka.topics.shadow, ranges, (d) => {
    const policyId = shadowPolicyId(d.replayId);
    return policyId !== null && (window.policyId === null || policyId === window.policyId);
  });
  // The policies in force: the registry's current versions when it is on, not a folder that went stale after `policy push`.
  const policyIds = new Set((await policiesInForce({ ...config, policies: { ...config.policies, only: [] } })).set.policies.map((p) => p.id));
  for (const d of shadowed.values()) for (const v of d.verdicts) policyIds.add(v.policyId);
  const ids = [...policyIds].filter((id) => window.policyId === null || id === window.policyId).sort();
  return diffDecisions(shadowed, await decisionsInForce(kafka, config, new Set(shadowed.keys()), null), ids, examples);
}
