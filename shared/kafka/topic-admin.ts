import kafkajs, { type Admin, type Kafka } from "kafkajs";
import type { TopicKey, TopicNames, TopicSettings, TopicsSettings } from "./kafka-settings.js";

// kafkajs is CommonJS, and Node finds no named export for this enum.
const { ConfigResourceTypes } = kafkajs;

/** A topic as Arbiter wants it: its name and how it is created. */
export interface TopicSpec {
  /** Which of Arbiter's topics (`posts`, `decisions`, …). */
  key: TopicKey;
  name: string;
  settings: TopicSettings;
}

/** Kafka's names for the topic configs Arbiter sets. */
export function kafkaTopicConfigs(settings: TopicSettings): Record<string, string> {
  return { "retention.ms": String(settings.retentionMs), "cleanup.policy": settings.cleanupPolicy };
}

/** Every Arbiter topic: the names of `kafka.topics` with the settings of `topics`. */
export function topicSpecs(names: TopicNames, settings: TopicsSettings): TopicSpec[] {
  return (Object.keys(names) as TopicKey[]).map((key) => ({ key, name: names[key], settings: settings[key] }));
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** Offset of the first record still kept, and the end offset (the next record's offset). */
  low: string;
  high: string;
}

export interface TopicState {
  name: string;
  partitions: PartitionState[];
  /** The topic configs Arbiter sets, as the broker reports them. */
  configs: Record<string, string>;
}

/** What the broker has that differs from the spec (fewer partitions, other configs); empty when none. */
export function topicDrift(spec: TopicSpec, state: TopicState): string[] {
  const drift: string[] = [];
  if (state.partitions.length !== spec.settings.partitions) drift.push(`partitions: ${state.partitions.length}, configured ${spec.settings.partitions}`);
  for (const [name, want] of Object.entries(kafkaTopicConfigs(spec.settings))) {
    const have = state.configs[name];
    if (have !== want) drift.push(`${name}: ${have ?? "unknown"}, configured ${want}`);
  }
  return drift;
}

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** A topic to create: the shape kafkajs needs, whatever the settings came from. */
export interface NewTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export function newTopic(spec: TopicSpec): NewTopic {
  return {
    name: spec.name,
    partitions: spec.settings.partitions,
    replicationFactor: spec.settings.replicationFactor,
    configs: kafkaTopicConfigs(spec.settings),
  };
}

/** Creates the topics that do not exist yet; existing topics are left as they are. Returns the names created. */
export async function createTopics(kafka: Kafka, topics: readonly NewTopic[]): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const seen = new Set<string>();
    // Two keys may name one topic (a test, a small setup): the first wins.
    const missing = topics.filter((t) => !existing.has(t.name) && !seen.has(t.name) && seen.add(t.name));
    if (missing.length > 0) {
      // kafkajs' own wait for leaders retries only LEADER_NOT_AVAILABLE: a broker whose metadata
      // has not caught up yet answers UNKNOWN_TOPIC_OR_PARTITION and the create fails although the
      // topic exists; and when another client created the topic first it does not wait at all.
      try {
        await admin.createTopics({
          waitForLeaders: false,
          // How long the broker waits for the controller to create them (kafkajs: 5 s, short for a broker just started).
          timeout: CREATE_TIMEOUT_MS,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (err) {
        // REQUEST_TIMED_OUT: the controller is still creating them (the metadata below says when it is done).
        const types = errorTypes(err);
        if (types.length === 0 || !types.every((t) => t === "REQUEST_TIMED_OUT" || t === "TOPIC_ALREADY_EXISTS")) throw err;
      }
      await waitForLeaders(admin, missing);
    }
    return missing.map((t) => t.name);
  });
}

const CREATE_TIMEOUT_MS = 20_000; // under the client's 30 s request timeout
// What a broker answers about a partition it is still taking on (a topic just created, a leader just moved).
const notReadyYet = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION", "UNKNOWN_LEADER_EPOCH", "FENCED_LEADER_EPOCH"]);

/** `read`, again every 100 ms while the broker only says "not yet" about a partition, for up to `timeoutMs`. */
async function untilReady<T>(read: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      const types = errorTypes(err);
      if (types.length === 0 || !types.every((t) => notReadyYet.has(t)) || Date.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The broker error types behind a kafkajs error: its own, the one its retrier wrapped, or each of an aggregate's. */
function errorTypes(err: unknown): string[] {
  const e = err as { type?: string; originalError?: unknown; errors?: unknown[] };
  if (Array.isArray(e.errors)) return e.errors.flatMap(errorTypes);
  if (e.type) return [e.type];
  return e.originalError ? errorTypes(e.originalError) : [];
}

/** Polls metadata until every partition of `topics` has a leader; errors that only mean "not yet" are retried. */
async function waitForLeaders(admin: Admin, topics: readonly NewTopic[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "";
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
      const waiting = topics.filter((t) => {
        const m = meta.find((x) => x.name === t.name);
        return !m || m.partitions.length < t.partitions || m.partitions.some((p) => p.leader < 0);
      });
      if (waiting.length === 0) return;
      lastProblem = `no leader yet for ${waiting.map((t) => t.name).join(", ")}`;
    } catch (err) {
      const types = errorTypes(err);
      if (types.length === 0 || !types.every((t) => notReadyYet.has(t))) throw err;
      lastProblem = `${types.join(", ")}: ${(err as Error).message}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`topics created but not ready after ${timeoutMs} ms (${lastProblem})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Partitions, leaders, replicas, offsets and configs of existing topics; a missing topic is left out. */
export async function describeTopics(kafka: Kafka, names: readonly string[]): Promise<TopicState[]> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = [...new Set(names)].filter((n) => existing.has(n));
    if (present.length === 0) return [];
    const { topics } = await untilReady(() => admin.fetchTopicMetadata({ topics: present }));
    const described = await untilReady(() =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ["retention.ms", "cleanup.policy"] })),
      }),
    );
    const configsOf = new Map(described.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
    const states: TopicState[] = [];
    for (const name of present) {
      const meta = topics.find((t) => t.name === name);
      const offsets = await untilReady(() => admin.fetchTopicOffsets(name));
      const partitions = (meta?.partitions ?? [])
        .map((p) => {
          const o = offsets.find((x) => x.partition === p.partitionId);
          return { partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, low: o?.low ?? "?", high: o?.high ?? "?" };
        })
        .sort((a, b) => a.partition - b.partition);
      states.push({ name, partitions, configs: configsOf.get(name) ?? {} });
    }
    return states;
  });
}
