import type { Headers } from "../kafka/consumed-record.js";
import type avro from "avsc";
import { confluentBody, confluentFrame, confluentSchemaId } from "./confluent-wire.js";
import { DecodeError } from "./errors/decode-error.js";
import { FINGERPRINT_HEADER, type ShippedSchemas, type SchemaVersion } from "./shipped-schemas.js";
import type { RecordKind, RecordTypes } from "./records.js";

export function headerString(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null ? undefined : first.toString();
}

/**
 * Encodes and decodes one record kind; the writer fingerprint travels in a header. With a
 * `confluentSchemaId` (the writer schema's id in a registry) values are in the Confluent wire
 * format, and the header stays, so Arbiter's own readers need no registry.
 */
export class RecordCodec<K extends RecordKind> {
  readonly writer: SchemaVersion;
  readonly reader: SchemaVersion;
  /** The headers of every record this codec writes: one frozen object, shared. */
  private readonly writerHeaders: Readonly<Record<string, string>>;

  constructor(
    private readonly registry: ShippedSchemas,
    readonly kind: K,
    versions: { writer?: number; reader?: number } = {},
    readonly confluentSchemaId: number | null = null,
  ) {
    this.writer = registry.version(kind, versions.writer);
    this.reader = registry.version(kind, versions.reader);
    this.writerHeaders = Object.freeze({ [FINGERPRINT_HEADER]: this.writer.fingerprint });
  }

  encode(value: RecordTypes[K]): { value: Buffer; headers: Readonly<Record<string, string>> } {
    const body = (this.writer.type as avro.Type).toBuffer(value);
    return {
      value: this.confluentSchemaId === null ? body : confluentFrame(this.confluentSchemaId, body),
      headers: this.writerHeaders,
    };
  }

  decode(bytes: Buffer, headers: Headers | undefined): RecordTypes[K] {
    if (this.confluentSchemaId !== null) {
      if (confluentSchemaId(bytes) === undefined)
        throw new DecodeError("MALFORMED", `a ${this.kind} record not in the Confluent wire format (output.format is confluent-avro)`);
      bytes = confluentBody(bytes);
    }
    return this.registry.decode(this.reader, bytes, headerString(headers, FINGERPRINT_HEADER)) as RecordTypes[K];
  }
}
