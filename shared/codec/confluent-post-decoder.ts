import avro from "avsc";
import type { PostField } from "./codec-settings.js";
import { confluentBody, confluentSchemaId } from "./confluent-wire.js";
import { DecodeError } from "./errors/decode-error.js";
import type { Post } from "./records.js";
import type { SchemaVersion } from "./shipped-schemas.js";
import type { WriterSchemaNote } from "./writer-schema-cache.js";
import "./avro-read-bounds.js";

/** The producer's name of each Post field it names otherwise (`input.fieldMap`). */
export type PostFieldMap = Partial<Record<PostField, string>>;

interface PostReader {
  type: avro.Type;
  resolver: avro.Resolver;
  /** Post field → the name the decoded record holds it under. */
  names: Record<PostField, string>;
}

// Read as optional, as JSON posts are: "" for the ids that route and attribute, the time read for createdAt.
const OPTIONAL_WHEN_ABSENT: Partial<Record<PostField, { type: avro.Schema; default: unknown }>> = {
  forumId: { type: "string", default: "" },
  authorId: { type: "string", default: "" },
  createdAt: { type: ["null", "long"], default: null },
};

const isNullable = (type: avro.Type): boolean =>
  type.typeName === "null" || ("types" in type && (type.types as avro.Type[]).some((t) => t.typeName === "null"));

/**
 * Decodes posts in the Confluent wire format, synchronously: each writer schema (by registry
 * id, from `lookup`) is resolved once against Arbiter's Post reader schema, with the producer's
 * field names of `fieldMap`. The reader is built from the writer's own names, so a mapped name
 * never clashes with a same-named field of the writer; fields Post lacks are skipped; a writer
 * without `id` or `text` (or a field that cannot be read as its Post field) makes every post of
 * that schema a dead letter that names the field.
 */
export class ConfluentPostDecoder {
  private readonly readers = new Map<number, PostReader | DecodeError>();

  constructor(
    private readonly post: SchemaVersion,
    private readonly fieldMap: PostFieldMap,
    /** The writer schema of an id (fetched before the decode); undefined when it was not. */
    private readonly lookup: (id: number) => WriterSchemaNote | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  decode(value: Buffer): Post {
    const id = confluentSchemaId(value);
    if (id === undefined) {
      throw new DecodeError(
        "MALFORMED",
        `not in the Confluent wire format: ${value.length} bytes, first byte 0x${(value[0] ?? 0).toString(16).padStart(2, "0")} (expected 0x00 and a 4-byte schema id)`,
      );
    }
    const reader = this.readerOf(id);
    if (reader instanceof DecodeError) throw new DecodeError(reader.code, reader.message);
    let raw: Record<string, unknown>;
    try {
      raw = reader.type.fromBuffer(confluentBody(value), reader.resolver) as Record<string, unknown>;
    } catch (error) {
      throw new DecodeError("MALFORMED", `undecodable Post bytes (writer schema ${id}): ${(error as Error).message}`);
    }
    const n = reader.names;
    return {
      id: raw[n.id] as string,
      forumId: (raw[n.forumId] ?? "") as string,
      authorId: (raw[n.authorId] ?? "") as string,
      text: raw[n.text] as string,
      language: (raw[n.language] ?? null) as string | null,
      createdAt: (raw[n.createdAt] ?? this.now()) as number,
      metadata: (raw[n.metadata] ?? {}) as Record<string, string>,
      threadId: (raw[n.threadId] ?? null) as string | null,
    };
  }

  private readerOf(id: number): PostReader | DecodeError {
    const known = this.readers.get(id);
    if (known) return known;
    const note = this.lookup(id);
    if (!note) return new DecodeError("UNKNOWN_SCHEMA_ID", `writer schema ${id} was not fetched from the schema registry`);
    // Not kept: an id unknown now may be registered later.
    if (!("schema" in note)) return new DecodeError(note.code, note.reason);
    const reader = this.build(id, note.schema);
    this.readers.set(id, reader);
    return reader;
  }

  private build(id: number, schema: string): PostReader | DecodeError {
    const incompatible = (why: string) => new DecodeError("INCOMPATIBLE_SCHEMA", `writer schema ${id}${why}`);
    let writer: avro.Type;
    try {
      writer = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    } catch (error) {
      return incompatible(` is not a usable Avro schema: ${(error as Error).message}`);
    }
    if (!(writer instanceof avro.types.RecordType))
      return incompatible(` is ${writer.typeName === "record" ? "a record" : `a ${writer.typeName}`}, not a record`);
    const writerFields = new Map(writer.fields.map((f) => [f.name, f]));
    const names = {} as Record<PostField, string>;
    const fields: Array<{ name: string; type: avro.Schema; default?: unknown }> = [];
    for (const field of (this.post.type as avro.types.RecordType).fields) {
      const postField = field.name as PostField;
      const mapped = this.fieldMap[postField];
      const source = mapped ?? field.name;
      names[postField] = source;
      const fromWriter = writerFields.get(source);
      const ownDefault: unknown = field.defaultValue();
      if (!fromWriter) {
        if (ownDefault !== undefined) fields.push({ name: source, type: field.type.schema(), default: ownDefault });
        else if (OPTIONAL_WHEN_ABSENT[postField]) fields.push({ name: source, ...OPTIONAL_WHEN_ABSENT[postField] });
        else {
          const hint =
            mapped === undefined ? `; if the producer names it otherwise, map it with input.fieldMap.${postField}` : ` (input.fieldMap.${postField})`;
          return incompatible(` (${writer.name}) has no field "${source}" for Post.${postField}, which is required${hint}`);
        }
        continue;
      }
      // A nullable writer field read into a non-null one: a null then fails validation (no id, no text) or takes the JSON path's default.
      const type: avro.Schema = isNullable(fromWriter.type) && !isNullable(field.type) ? (["null", field.type.schema()] as avro.Schema) : field.type.schema();
      try {
        avro.Type.forSchema(type).createResolver(fromWriter.type);
      } catch (error) {
        return incompatible(
          `: its field "${source}" (${JSON.stringify(fromWriter.type.schema())}) cannot be read as Post.${postField} (${JSON.stringify(field.type.schema())}): ${(error as Error).message}`,
        );
      }
      // No default: the writer has the field (and a default of a non-null type would not fit a union led by null).
      fields.push({ name: source, type });
    }
    try {
      // Named as the writer is: Avro resolution matches record names.
      const type = avro.Type.forSchema({ type: "record", name: writer.name!, fields } as avro.Schema);
      return { type, resolver: type.createResolver(writer), names };
    } catch (error) {
      return incompatible(` cannot be read as a Post: ${(error as Error).message}`);
    }
  }
}
