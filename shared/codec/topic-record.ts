import type { ConsumedRecord } from "../kafka/consumed-record.js";
import { confluentBody, confluentSchemaId } from "./confluent-wire.js";
import { headerString } from "./record-codec.js";
import type { Post, RecordKind, RecordTypes } from "./records.js";
import { FINGERPRINT_HEADER, type ShippedSchemas } from "./shipped-schemas.js";

/** A record decoded by its writer schema's fingerprint (any topic, any known version), a JSON post, or why it could not be. */
export type DecodedRecord =
  { [K in RecordKind]: { kind: K; version: number | "json"; value: RecordTypes[K] } }[RecordKind] | { kind: "undecodable"; reason: string };

/** Decodes a record by its fingerprint header; a record without one is read as a JSON post (`input.format: json`). Never throws. */
export function decodeRecord(registry: ShippedSchemas, message: Pick<ConsumedRecord, "value" | "headers">): DecodedRecord {
  const bytes = message.value;
  if (!bytes || bytes.length === 0) return { kind: "undecodable", reason: "empty value (a tombstone or an empty record)" };
  const fingerprint = headerString(message.headers, FINGERPRINT_HEADER);
  if (fingerprint === undefined) {
    try {
      const value: unknown = JSON.parse(bytes.toString("utf8"));
      if (typeof value === "object" && value !== null && typeof (value as Post).id === "string" && typeof (value as Post).text === "string")
        return { kind: "post", version: "json", value: value as Post };
      return { kind: "undecodable", reason: `no ${FINGERPRINT_HEADER} header, and JSON that is no post` };
    } catch {
      return { kind: "undecodable", reason: `no ${FINGERPRINT_HEADER} header, and not JSON` };
    }
  }
  const writer = registry.byWriterFingerprint(fingerprint);
  if (!writer) return { kind: "undecodable", reason: `unknown schema fingerprint ${fingerprint.slice(0, 12)}… (written by a newer Arbiter?)` };
  const decode = (body: Buffer) =>
    ({ kind: writer.kind, version: writer.version, value: registry.decode(registry.version(writer.kind), body, fingerprint) }) as DecodedRecord;
  try {
    return decode(bytes);
  } catch (error) {
    // output.format confluent-avro: the same Avro body behind the 5-byte frame (the header stays).
    if (confluentSchemaId(bytes) !== undefined) {
      try {
        return decode(confluentBody(bytes));
      } catch {
        // Neither reading works: report the plain one's error.
      }
    }
    return { kind: "undecodable", reason: (error as Error).message };
  }
}
