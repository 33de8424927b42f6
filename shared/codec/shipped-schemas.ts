import avro from "avsc";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DecodeError } from "./errors/decode-error.js";
import type { RecordKind } from "./records.js";
import "./avro-read-bounds.js";

/** The header that carries the writer schema's fingerprint (hex SHA-256 of its canonical form). */
export const FINGERPRINT_HEADER = "arbiter-schema-fp";

const schemaDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "schemas");
const fileKinds: Record<string, RecordKind> = {
  post: "post",
  decision: "decision",
  audit: "audit",
  escalation: "escalation",
  ticket: "ticket",
  appeal: "appeal",
  "dead-letter": "deadLetter",
};

export interface SchemaVersion {
  kind: RecordKind;
  version: number;
  type: avro.Type;
  fingerprint: string;
}

/**
 * Every schema version Arbiter knows, by fingerprint. Writers use the newest version of a kind
 * (or a pinned one); readers resolve any known writer version into the reader version.
 */
export class ShippedSchemas {
  private readonly byFingerprint = new Map<string, SchemaVersion>();
  private readonly byKind = new Map<RecordKind, SchemaVersion[]>();
  private readonly resolvers = new Map<string, avro.Resolver>();

  /** The schema files shipped in shared/codec/schemas. */
  static load(): ShippedSchemas {
    const registry = new ShippedSchemas();
    for (const file of readdirSync(schemaDir).sort()) {
      const match = /^(.+)\.v(\d+)\.avsc\.json$/.exec(file);
      if (!match) continue;
      const kind = fileKinds[match[1]!];
      if (!kind) throw new Error(`schema file ${file}: unknown record kind "${match[1]}"`);
      registry.register(kind, Number(match[2]), JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")));
    }
    return registry;
  }

  register(kind: RecordKind, version: number, schema: avro.Schema): SchemaVersion {
    const type = avro.Type.forSchema(schema);
    const entry: SchemaVersion = { kind, version, type, fingerprint: type.fingerprint("sha256").toString("hex") };
    this.byFingerprint.set(entry.fingerprint, entry);
    const versions = [...(this.byKind.get(kind) ?? []).filter((v) => v.version !== version), entry];
    versions.sort((a, b) => a.version - b.version);
    this.byKind.set(kind, versions);
    return entry;
  }

  version(kind: RecordKind, version?: number): SchemaVersion {
    const versions = this.byKind.get(kind) ?? [];
    const found = version === undefined ? versions.at(-1) : versions.find((v) => v.version === version);
    if (!found) throw new Error(`no schema for ${kind}${version === undefined ? "" : ` v${version}`}`);
    return found;
  }

  byWriterFingerprint(fingerprint: string): SchemaVersion | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  /** Decodes bytes written with `writerFingerprint` into the reader version's shape. */
  decode(reader: SchemaVersion, bytes: Buffer, writerFingerprint: string | undefined): unknown {
    if (!writerFingerprint) {
      throw new DecodeError("MISSING_FINGERPRINT", `no ${FINGERPRINT_HEADER} header on a ${reader.kind} record`);
    }
    const writer = this.byFingerprint.get(writerFingerprint);
    if (!writer) {
      throw new DecodeError("UNKNOWN_FINGERPRINT", `unknown writer schema fingerprint ${writerFingerprint} for ${reader.kind}`);
    }
    if (writer.kind !== reader.kind) {
      throw new DecodeError("UNKNOWN_FINGERPRINT", `fingerprint ${writerFingerprint} is a ${writer.kind} schema, expected ${reader.kind}`);
    }
    try {
      if (writer.fingerprint === reader.fingerprint) return reader.type.fromBuffer(bytes);
      const key = `${writer.fingerprint}>${reader.fingerprint}`;
      let resolver = this.resolvers.get(key);
      if (!resolver) {
        resolver = reader.type.createResolver(writer.type);
        this.resolvers.set(key, resolver);
      }
      return reader.type.fromBuffer(bytes, resolver);
    } catch (error) {
      throw new DecodeError("MALFORMED", `undecodable ${reader.kind} bytes (writer v${writer.version}): ${(error as Error).message}`);
    }
  }
}
