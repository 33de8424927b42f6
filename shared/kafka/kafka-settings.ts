import { z } from "zod";
import { nonBlank, secretSchema, tlsFields, tlsPairRule } from "../settings/fields.js";

// The kafka and topics sections: this room's settings, composed into the whole config by shared/config.

const topic = (name: string) =>
  z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, "is not a legal Kafka topic name")
    .default(name);

const kafkaTlsSchema = z
  .strictObject({ enabled: z.boolean().describe("TLS to the brokers (their SSL or SASL_SSL listener).").default(false), ...tlsFields })
  .superRefine(tlsPairRule)
  .superRefine((t, ctx) => {
    for (const key of ["ca", "cert", "key", "servername"] as const)
      if (!t.enabled && t[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "is set but kafka.ssl.enabled is false" });
  })
  .prefault({});

const kafkaSaslSchema = z
  .strictObject({
    mechanism: z
      .enum(["plain", "scram-sha-256", "scram-sha-512"])
      .describe("SASL mechanism, one the broker's listener enables (`plain` only with `ssl.enabled`); no `kafka.sasl`: no SASL."),
    username: nonBlank().describe("SASL user."),
    password: secretSchema.describe("SASL password: `{env: VARIABLE}` or `{file: path}` (a mounted Secret); a plain string only for local tests."),
  })
  .optional()
  .describe("SASL authentication (unset: none).");

export const topicNamesSchema = z
  .strictObject({
    posts: topic("posts").describe("Posts to moderate (the primary role reads it)."),
    decisions: topic("moderation.decisions").describe("Decisions: action, stage, verdicts; never the reasoning."),
    audit: topic("moderation.audit").describe("The analysis-channel text, token counts, errors."),
    escalations: topic("moderation.escalations").describe("Unsure items for the escalation role."),
    tickets: topic("moderation.tickets").describe("Moderator tickets."),
    dlq: topic("moderation.dlq").describe("Dead letters: the original record and the reason."),
    appeals: topic("moderation.appeals").describe("Appeals: posts to decide again at the escalation tier (the escalation role reads it)."),
    shadow: topic("moderation.shadow").describe("Decisions of a replay or a shadow run (tagged with its replay id); the product never reads it."),
  })
  .prefault({});

export const kafkaSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, "must be host:port"))
      .min(1, "must list at least one host:port")
      .describe("Bootstrap brokers, host:port.")
      .default(["127.0.0.1:9092"]),
    clientId: nonBlank().describe("Kafka client id (the role is appended).").default("arbiter"),
    groupId: nonBlank()
      .describe('Consumer group; the escalation role appends ".escalation" (and ".appeal" for the appeals it serves).')
      .default("arbiter-classifier"),
    topics: topicNamesSchema,
    exactlyOnce: z
      .boolean()
      .describe("Transactions: outputs and offsets commit together, one producer per input partition; readers use read_committed.")
      .default(false),
    transactionalIdPrefix: nonBlank()
      .describe("Prefix of the transactional ids: `<prefix>-<group>-<topic>-<partition>`, so a partition's next owner fences the last.")
      .default("arbiter"),
    sessionTimeoutMs: z.int().min(1000).describe("Consumer session timeout; at most `rebalanceTimeoutMs`.").default(30_000),
    rebalanceTimeoutMs: z.int().min(1000).describe("Consumer rebalance timeout.").default(60_000),
    heartbeatIntervalMs: z.int().min(100).describe("Heartbeat interval; at most a third of `sessionTimeoutMs`.").default(3000),
    partitionsConsumedConcurrently: z.int().min(1).max(1024).describe("Partitions processed at once by one worker.").default(3),
    maxRecordsPerCommit: z
      .int()
      .min(1)
      .max(100_000)
      .describe("Records screened together, and at most this many records' outputs produced and committed together (one transaction in exactly-once mode).")
      .default(500),
    maxInFlight: z
      .int()
      .min(1)
      .max(100_000)
      .describe("Model-bound posts taken on and unfinished per worker (two per engine sequence run, the rest wait); at this many its partitions pause.")
      .default(64),
    maxCommitMetadataBytes: z
      .int()
      .min(64)
      .max(1_048_576)
      .describe("Longest offset-commit metadata (the done set above the committed offset); at most the broker's offset.metadata.max.bytes.")
      .default(4096),
    maxDecompressedBytes: z
      .int()
      .min(65_536)
      .max(1_073_741_824)
      .describe(
        "Most bytes one fetched record batch may inflate to (gzip, snappy, lz4, zstd); a batch past it, or corrupt, goes to the dead-letter topic as its raw bytes.",
      )
      .default(67_108_864),
    maxPublishFailures: z
      .int()
      .min(1)
      .max(10_000)
      .describe("Failed publishes of one partition in a row after which the worker reports not ready (`/readyz` 503); it keeps trying, backing off to 10 s.")
      .default(10),
    createTopics: z.boolean().describe("Create missing topics at start, as the `topics` section says.").default(true),
    ssl: kafkaTlsSchema,
    sasl: kafkaSaslSchema,
  })
  .superRefine((k, ctx) => {
    // PLAIN sends the password as it is: never over a connection anyone on the path can read.
    if (k.sasl?.mechanism === "plain" && !k.ssl.enabled)
      ctx.addIssue({
        code: "custom",
        path: ["sasl", "mechanism"],
        message: '"plain" sends the password in clear: set kafka.ssl.enabled, or use a scram mechanism',
      });
    // The broker's rule: heartbeats must come well inside the session timeout.
    if (k.heartbeatIntervalMs * 3 > k.sessionTimeoutMs)
      ctx.addIssue({
        code: "custom",
        path: ["heartbeatIntervalMs"],
        message: `(${k.heartbeatIntervalMs}) must be at most a third of kafka.sessionTimeoutMs (${k.sessionTimeoutMs})`,
      });
    if (k.sessionTimeoutMs > k.rebalanceTimeoutMs)
      ctx.addIssue({
        code: "custom",
        path: ["sessionTimeoutMs"],
        message: `(${k.sessionTimeoutMs}) must not exceed kafka.rebalanceTimeoutMs (${k.rebalanceTimeoutMs})`,
      });
  })
  .prefault({});

const DAY_MS = 86_400_000;

/** How one topic is created (`arbiter topics create`, and a worker at start): one of these per topic. */
const topicSettings = (defaults: { retentionMs: number; cleanupPolicy: "delete" | "compact" | "compact,delete" }) =>
  z
    .strictObject({
      // The same count on every topic keeps a post's records on the same partition number everywhere.
      partitions: z.int().min(1).max(10_000).describe("Partitions: the most workers of one group that can share the topic.").default(3),
      replicationFactor: z.int().min(1).max(32).describe("Replicas of each partition (1 on a one-broker cluster; 3 in production).").default(1),
      retentionMs: z
        .int()
        .min(-1)
        .describe("`retention.ms`: how long records are kept when the cleanup policy includes delete (-1: forever).")
        .default(defaults.retentionMs),
      cleanupPolicy: z
        .enum(["delete", "compact", "compact,delete"])
        .describe("`cleanup.policy`: delete old records, or compact to the latest per key.")
        .default(defaults.cleanupPolicy),
    })
    .prefault({});

// Retention follows who reads each topic and how late; docs/reference.md (topic settings) says why.
export const topicsSchema = z
  .strictObject({
    posts: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
    decisions: topicSettings({ retentionMs: 30 * DAY_MS, cleanupPolicy: "compact" }),
    audit: topicSettings({ retentionMs: 30 * DAY_MS, cleanupPolicy: "delete" }),
    escalations: topicSettings({ retentionMs: 7 * DAY_MS, cleanupPolicy: "delete" }),
    tickets: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
    dlq: topicSettings({ retentionMs: 30 * DAY_MS, cleanupPolicy: "delete" }),
    appeals: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
    shadow: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
  })
  .prefault({});

export type TopicNames = z.output<typeof topicNamesSchema>;
export type TopicKey = keyof TopicNames;
/** Every topic key of `kafka.topics` (and of the `topics` section), in the order the settings list them. */
export const TOPIC_KEYS = Object.keys(topicNamesSchema.parse({})) as readonly TopicKey[];
export type TopicSettings = z.output<typeof topicsSchema>[TopicKey];
export type TopicsSettings = z.output<typeof topicsSchema>;
export type KafkaSettings = z.output<typeof kafkaSchema>;
