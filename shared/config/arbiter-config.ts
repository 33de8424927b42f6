import { hostname } from "node:os";
import { z } from "zod";
import { inputSchema, outputSchema, schemaRegistrySchema } from "../codec/codec-settings.js";
import { consoleSchema } from "../console/console-settings.js";
import { dsaSchema } from "../dsa/dsa-settings.js";
import { engineOptionsSchemaWith } from "../engine/options.js";
import { kafkaSchema, topicsSchema } from "../kafka/kafka-settings.js";
import { ingestSchema } from "../ingest/ingest-settings.js";
import { httpSchema, logSchema } from "../observability/observability-settings.js";
import { cacheSchema, pipelineSchema, secondLookSchema } from "../pipeline/pipeline-settings.js";
import { policiesSchema } from "../policy/policy-settings.js";
import { recordSchema } from "../record/record-settings.js";
import { redisSchema } from "../redis/redis-settings.js";
import { replaySchema } from "../replay/replay-settings.js";
import { autoHideSchema } from "../sinks/auto-hide/auto-hide-settings.js";
import { ticketsSchema } from "../sinks/tickets/ticket-settings.js";

// The whole config, composed from each room's own section schema (kafka/kafka-settings.ts, ...):
// every setting's type, default and doc in one schema, so config/default.json and the settings
// table are generated from it. Only the rules between sections live here.

export const arbiterConfigSchema = z
  .strictObject({
    role: z
      .enum(["primary", "escalation"])
      .describe("`primary`: posts → decisions; `escalation`: escalations and appeals → final decisions and tickets.")
      .default("primary"),
    workerId: z
      .string()
      .describe("Names this process in logs (empty: the host name).")
      .default("")
      .transform((id) => id || hostname()),
    kafka: kafkaSchema,
    topics: topicsSchema,
    input: inputSchema,
    output: outputSchema,
    schemaRegistry: schemaRegistrySchema,
    redis: redisSchema,
    cache: cacheSchema,
    policies: policiesSchema,
    pipeline: pipelineSchema,
    secondLook: secondLookSchema,
    replay: replaySchema,
    // 3 sequences: the shipped pack's 3 busiest policies take 92–97 % of model calls, and each
    // sequence keeps one policy prefix (bench:funnel `model_calls_whole_pack`; bench:engine's
    // realistic row: 1.07–1.09× over 2 sequences, BENCHMARKS.md).
    engine: engineOptionsSchemaWith({ modelPath: "models/gpt-oss-safeguard-20b.gguf", contextSize: 8192, sequences: 3 })
      .describe("The safeguard engine of the primary role (shared/engine/options.ts).")
      .prefault({}),
    escalationEngine: engineOptionsSchemaWith({ modelPath: "models/gpt-oss-safeguard-120b-00001-of-00002.gguf", contextSize: 8192, defaultEffort: "high" })
      .describe("The engine of the escalation role: the same keys as `engine`.")
      .prefault({}),
    http: httpSchema,
    log: logSchema,
    autoHide: autoHideSchema,
    tickets: ticketsSchema,
    console: consoleSchema,
    ingest: ingestSchema,
    dsa: dsaSchema,
    record: recordSchema,
    shutdownTimeoutMs: z.int().min(100).describe("Drain bound on SIGTERM/SIGINT.").default(30_000),
  })
  .superRefine((c, ctx) => {
    if (!/^rediss?:\/\//.test(c.redis.url)) {
      if (c.cache.enabled)
        ctx.addIssue({
          code: "custom",
          path: ["redis", "url"],
          message: `must be a redis:// URL when the cache is enabled, got ${JSON.stringify(c.redis.url)}`,
        });
      else if (c.policies.registry.enabled)
        ctx.addIssue({
          code: "custom",
          path: ["redis", "url"],
          message: `must be a redis:// URL: the policy registry (policies.registry.enabled) uses it, got ${JSON.stringify(c.redis.url)}`,
        });
    }
    // Read at start, not at the first record: a worker that could not decode or encode does not start.
    if (c.schemaRegistry.url !== undefined) return;
    if (c.input.format === "confluent-avro")
      ctx.addIssue({ code: "custom", path: ["schemaRegistry", "url"], message: 'must be set: input.format is "confluent-avro"' });
    else if (c.output.format === "confluent-avro")
      ctx.addIssue({ code: "custom", path: ["schemaRegistry", "url"], message: 'must be set: output.format is "confluent-avro"' });
  });

/** The settings after parsing: every default filled in. */
export type ArbiterConfig = z.output<typeof arbiterConfigSchema>;
/** Settings as written in a file or passed as overrides: every key optional. */
export type ArbiterConfigInput = z.input<typeof arbiterConfigSchema>;
export type WorkerRole = ArbiterConfig["role"];
