import avro from "avsc";
import type { InputSettings, SchemaRegistrySettings } from "./codec-settings.js";
import { createCodecs, valueSubject } from "./codecs.js";
import { confluentFrame } from "./confluent-wire.js";
import type { Post } from "./records.js";
import { SchemaRegistryClient } from "./schema-registry-client.js";
import { ShippedSchemas } from "./shipped-schemas.js";

/** A post as a Kafka message: keyed by post id. */
export interface PostMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Writes posts as the workers read them (`input.format`), for `arbiter produce` and the demo. */
export interface PostWriter {
  /** The Confluent writer schema's registry id (confluent-avro only). */
  readonly schemaId: number | null;
  message(post: Post): PostMessage;
  close(): void;
}

/**
 * The producer's Avro schema for `confluent-avro`: Arbiter's Post schema with each field under
 * the producer's name of `input.fieldMap`, so the workers' field map reads every field back.
 */
export function producerPostSchema(fieldMap: InputSettings["fieldMap"], registry = ShippedSchemas.load()): avro.Type {
  const schema = registry.version("post").type.schema({ exportAttrs: true }) as { fields: { name: string }[] } & Record<string, unknown>;
  const renamed = { ...schema, fields: schema.fields.map((f) => ({ ...f, name: fieldMap[f.name as keyof typeof fieldMap] ?? f.name })) };
  return avro.Type.forSchema(renamed as avro.Schema);
}

/**
 * The writer for the posts topic `topic` in `input.format`: Arbiter's Avro with the fingerprint
 * header (`avro`), one JSON object (`json`), or the Confluent wire format with a schema
 * registered under `<topic>-value` in `schemaRegistry` (`confluent-avro`).
 */
export async function createPostWriter(settings: { input: InputSettings; schemaRegistry: SchemaRegistrySettings }, topic: string): Promise<PostWriter> {
  const registry = ShippedSchemas.load();
  switch (settings.input.format) {
    case "json":
      return { schemaId: null, message: (post) => ({ key: post.id, value: Buffer.from(JSON.stringify(post)), headers: {} }), close: () => undefined };
    case "avro": {
      const codec = createCodecs(registry).post;
      return {
        schemaId: null,
        message: (post) => {
          const { value, headers } = codec.encode(post);
          return { key: post.id, value, headers: { ...headers } };
        },
        close: () => undefined,
      };
    }
    case "confluent-avro": {
      const { fieldMap } = settings.input;
      const type = producerPostSchema(fieldMap, registry);
      const client = SchemaRegistryClient.fromSettings(settings.schemaRegistry);
      let schemaId: number;
      try {
        schemaId = await client.register(valueSubject(topic), JSON.stringify(type.schema({ exportAttrs: true })));
      } catch (error) {
        client.close();
        throw error;
      }
      const names: Record<string, string | undefined> = fieldMap;
      return {
        schemaId,
        message: (post) => {
          const record: Record<string, unknown> = {};
          for (const [field, value] of Object.entries(post)) record[names[field] ?? field] = value;
          return { key: post.id, value: confluentFrame(schemaId, type.toBuffer(record)), headers: {} };
        },
        close: () => client.close(),
      };
    }
  }
}
