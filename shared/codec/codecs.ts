import { ConfluentPostDecoder } from "./confluent-post-decoder.js";
import { IncompatibleSchemaError } from "./errors/incompatible-schema-error.js";
import { RecordCodec } from "./record-codec.js";
import type { RecordKind } from "./records.js";
import { SchemaRegistryClient } from "./schema-registry-client.js";
import { ShippedSchemas } from "./shipped-schemas.js";
import { WriterSchemaCache } from "./writer-schema-cache.js";
import type { InputSettings, OutputSettings, SchemaRegistrySettings } from "./codec-settings.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import { ConfigError } from "../settings/config-error.js";
import type { Logger } from "../observability/logger.js";
import { RetriesExhaustedError } from "../retry/errors/retries-exhausted-error.js";
import { RetryPolicy } from "../retry/retry-policy.js";

/** A codec for each record kind. */
export interface Codecs {
  post: RecordCodec<"post">;
  decision: RecordCodec<"decision">;
  audit: RecordCodec<"audit">;
  escalation: RecordCodec<"escalation">;
  ticket: RecordCodec<"ticket">;
  appeal: RecordCodec<"appeal">;
  deadLetter: RecordCodec<"deadLetter">;
}

/** The records Arbiter writes. */
export type OutputKind = Exclude<RecordKind, "post">;
/** The registry id of the schema of each record Arbiter writes (output.format confluent-avro). */
export type OutputSchemaIds = Record<OutputKind, number>;

/** Posts in the Confluent wire format: their writer schemas, fetched on this thread, and a decoder over them. */
export interface ConfluentInput {
  schemas: WriterSchemaCache;
  decoder: ConfluentPostDecoder;
}

/** A codec for every record kind, over the shipped schemas; with `outputSchemaIds`, what Arbiter writes is in the Confluent wire format. */
export function createCodecs(registry = ShippedSchemas.load(), outputSchemaIds: OutputSchemaIds | null = null): Codecs {
  const output = <K extends OutputKind>(kind: K) => new RecordCodec(registry, kind, {}, outputSchemaIds?.[kind] ?? null);
  return {
    post: new RecordCodec(registry, "post"),
    decision: output("decision"),
    audit: output("audit"),
    escalation: output("escalation"),
    ticket: output("ticket"),
    appeal: output("appeal"),
    deadLetter: output("deadLetter"),
  };
}

/** The topic each kind of record Arbiter writes goes to. */
export function outputTopics(topics: TopicNames): Record<OutputKind, string> {
  return {
    decision: topics.decisions,
    audit: topics.audit,
    escalation: topics.escalations,
    ticket: topics.tickets,
    appeal: topics.appeals,
    deadLetter: topics.dlq,
  };
}

/** The Confluent TopicNameStrategy: a topic's values are registered under `<topic>-value`. */
export const valueSubject = (topic: string): string => `${topic}-value`;

/** Attempts of each registry call at start while the registry cannot answer, before the worker gives up. */
const START_ATTEMPTS = 5;

/**
 * Each schema Arbiter writes, checked against the latest version under its subject (the
 * registry's compatibility endpoint, at the subject's level) and registered there
 * (`autoRegister`), or looked up. An incompatible schema stops the worker with an
 * {@link IncompatibleSchemaError} naming the subject, before anything is published.
 */
export async function registerOutputSchemas(
  client: Pick<SchemaRegistryClient, "compatibility" | "register" | "lookup" | "url">,
  registry: ShippedSchemas,
  topics: TopicNames,
  settings: Pick<SchemaRegistrySettings, "autoRegister" | "retryMaxMs">,
  logger: Logger,
): Promise<OutputSchemaIds> {
  const ids = {} as OutputSchemaIds;
  for (const [kind, topic] of Object.entries(outputTopics(topics)) as Array<[OutputKind, string]>) {
    const subject = valueSubject(topic);
    const writer = registry.version(kind);
    const schema = JSON.stringify(writer.type.schema({ exportAttrs: true }));
    const compatibility = await atStart(() => client.compatibility(subject, schema), settings.retryMaxMs, logger);
    if (compatibility.kind === "incompatible") throw new IncompatibleSchemaError(subject, compatibility.reason);
    const id = settings.autoRegister
      ? await atStart(() => client.register(subject, schema), settings.retryMaxMs, logger)
      : await atStart(() => client.lookup(subject, schema), settings.retryMaxMs, logger);
    if (id === undefined) {
      throw new ConfigError(
        "schemaRegistry.autoRegister",
        `is false and Arbiter's ${kind} schema v${writer.version} (fingerprint ${writer.fingerprint}) is not registered under subject "${subject}": register it, or let the worker do it`,
      );
    }
    ids[kind] = id;
    logger.info({ subject, schemaId: id, version: writer.version, newSubject: compatibility.kind === "no-versions" }, "output schema registered");
  }
  return ids;
}

/**
 * `call`, tried again while the registry cannot answer (retriable errors), a few times: 500 ms,
 * doubling, capped at `retryMaxMs`, no jitter. Gives up with the last error itself.
 */
async function atStart<T>(call: () => Promise<T>, retryMaxMs: number, logger: Logger): Promise<T> {
  const retry = new RetryPolicy({ initialDelayMs: 500, maxDelayMs: retryMaxMs, maxAttempts: START_ATTEMPTS, jitter: false });
  try {
    // Nothing stops a start but the attempts running out: the waits are not abortable.
    return await retry.run(call, new AbortController().signal, {
      onRetry: (attempt, error, wait) => logger.warn({ err: error.message, attempt, retryInMs: wait }, "schema registry unavailable at start; trying again"),
    });
  } catch (error) {
    throw error instanceof RetriesExhaustedError ? error.lastError : error;
  }
}

/** What the configured formats need: codecs, and for confluent-avro the registry's schema ids or writer schemas. */
export interface WorkerCodecs {
  codecs: Codecs;
  /** Set when output.format is confluent-avro: screen threads build their codecs with them. */
  outputSchemaIds: OutputSchemaIds | null;
  /** Set when input.format is confluent-avro. */
  confluentInput: ConfluentInput | null;
  close(): void;
}

/** Codecs for `input.format` and `output.format`; talks to the registry only when one of them is confluent-avro. */
/** The sections the codecs are made from (the config's own, or any object holding them). */
export interface CodecSections {
  input: InputSettings;
  output: OutputSettings;
  schemaRegistry: SchemaRegistrySettings;
  kafka: { topics: TopicNames };
}

export async function createWorkerCodecs(config: CodecSections, logger: Logger): Promise<WorkerCodecs> {
  const registry = ShippedSchemas.load();
  const confluentOut = config.output.format === "confluent-avro";
  const confluentIn = config.input.format === "confluent-avro";
  if (!confluentOut && !confluentIn) return { codecs: createCodecs(registry), outputSchemaIds: null, confluentInput: null, close: () => undefined };
  const client = SchemaRegistryClient.fromSettings(config.schemaRegistry);
  try {
    const outputSchemaIds = confluentOut ? await registerOutputSchemas(client, registry, config.kafka.topics, config.schemaRegistry, logger) : null;
    let confluentInput: ConfluentInput | null = null;
    if (confluentIn) {
      const schemas = new WriterSchemaCache(client, config.schemaRegistry, logger);
      confluentInput = { schemas, decoder: new ConfluentPostDecoder(registry.version("post"), config.input.fieldMap, (id) => schemas.known(id)) };
    }
    return {
      codecs: createCodecs(registry, outputSchemaIds),
      outputSchemaIds,
      confluentInput,
      close: () => {
        confluentInput?.schemas.close();
        client.close();
      },
    };
  } catch (error) {
    client.close();
    throw error;
  }
}
