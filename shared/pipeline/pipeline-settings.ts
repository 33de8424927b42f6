import { z } from "zod";
import { effortSchema } from "../engine/options.js";

// The pipeline section, and the verdict cache (its Redis connection is the redis section's).

export const cacheSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .describe(
        "Verdict cache in Redis (the `redis` section's connection), keyed by the model file's identity, the effort, the policy version, the prompt-format version and the normalised text; Redis down = no cache, no stall.",
      )
      .default(true),
    ttlSeconds: z.int().min(1).describe("Lifetime of a cached verdict.").default(86_400),
    commandTimeoutMs: z.int().min(1).describe("A slower Redis call counts as a miss.").default(250),
  })
  .prefault({});

export const pipelineSchema = z
  .strictObject({
    engineAttempts: z.int().min(1).max(10).describe("Model attempts for a retriable engine error before the post escalates.").default(2),
    engineTimeoutMs: z.int().min(1).describe("Deadline per model call.").default(120_000),
    maxModelChars: z
      .int()
      .min(16)
      .describe(
        "The model's budget per call: a longer post is read in windows of this many characters, each overlapping the next by min(256, maxModelChars/8) (the prefilter scans all of it).",
      )
      .default(8000),
    maxWindows: z
      .int()
      .min(1)
      .max(64)
      .describe(
        "Most windows the model reads of one long post, those around the prefilter's hits first; a post that needs more and shows no violation in them goes to REVIEW (`truncated` on the decision).",
      )
      .default(4),
    combinePolicies: z.boolean().describe("Ask all of a post's policies in one model call instead of one call per policy.").default(false),
    screenThreads: z
      .int()
      .min(0)
      .max(64)
      .describe("Worker threads for decode → prefilter → prefilter decisions, beside kafkajs (0: the main thread).")
      .default(1),
    screenTimeoutMs: z
      .int()
      .min(100)
      .describe(
        "How long a screen thread may hold chunks without answering before it is taken as hung: it is replaced, the post it hung on is decided REVIEW (never screened again, never on the main thread), and the rest of its chunks are screened on the replacement.",
      )
      .default(30000),
    effort: effortSchema
      .nullable()
      .describe("Reasoning effort of this role, over the policy's own (null: the policy's; the escalation role: high).")
      .default(null),
    postRecordTtlDays: z
      .int()
      .min(1)
      .describe(
        "How long the classifier keeps, in Redis, a post it acted on (its text and the policies that said violate or sent it on), for an appeal to decide that post again; an appeal of a post with no record goes to a moderator. Keep it at least the decisions topic's retention.",
      )
      .default(30),
    auditSampleRate: z
      .number()
      .min(0)
      .max(1)
      .describe(
        "Share of the posts the prefilter allows without the model that the model still reads, at the lowest priority, to measure what the keywords miss (verdicts to the audit topic only; 0: none).",
      )
      .default(0.005),
  })
  .prefault({});

export type CacheSettings = z.output<typeof cacheSchema>;
export type PipelineSettings = z.output<typeof pipelineSchema>;

export const secondLookSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .describe(
        "The second look: the primary worker also reads the posts topic in a consumer group of its own and sends the posts the prefilter allowed to its engine, only while a sequence is idle (priority class second-look, below posts, escalations and appeals); a violation is a decision at stage `second_look`, an allow an audit record. On, it replaces funnel audit sampling: the sample is the `pipeline.auditSampleRate` share of the allows it reviews.",
      )
      .default(false),
    groupId: z
      .string()
      .regex(/\S/, "must be a non-empty consumer group id")
      .describe("Consumer group of the second look (its offsets are its own).")
      .default("arbiter-second-look"),
    maxAgeMinutes: z
      .number()
      .min(1)
      .describe(
        'A post older than this (by its `createdAt`) when its turn comes is skipped: counted (`arbiter_second_look_posts_total{result="skipped"}`) and logged with the count, never reviewed.',
      )
      .default(60),
    reserveSequences: z
      .int()
      .min(0)
      .describe(
        "Engine sequences the second look leaves free for posts the prefilter sent (and escalations and appeals): it starts a call only while more than this many are idle, so a post arriving meanwhile finds one. At most the engine's sequences less one (an engine with one sequence keeps none).",
      )
      .default(2),
    pollMs: z.int().min(1).max(10_000).describe("How often the second look looks for an idle sequence while posts wait.").default(20),
    maxWaiting: z
      .int()
      .min(1)
      .describe("Posts taken on and waiting for an idle sequence, past which the second look pauses its partitions (the rest wait in Kafka).")
      .default(64),
  })
  .prefault({});

export type SecondLookSettings = z.output<typeof secondLookSchema>;
