import { confluentBody, confluentSchemaId } from "../codec/confluent-wire.js";
import { headerString } from "../codec/record-codec.js";
import type { Appeal, Audit, DeadLetter, Decision, Escalation, Post, PolicyVerdict, RecordKind, RecordTypes, Ticket } from "../codec/records.js";
import { FINGERPRINT_HEADER, type SchemaRegistry } from "../codec/schema-registry.js";
import type { TopicMessage } from "./topic-tail.js";

/** A record decoded by its writer schema's fingerprint (any topic, any known version), a JSON post, or why it could not be. */
export type DecodedRecord =
  | { [K in RecordKind]: { kind: K; version: number | "json"; value: RecordTypes[K] } }[RecordKind]
  | { kind: "undecodable"; reason: string };

/** Decodes a record by its fingerprint header; a record without one is read as a JSON post (`input.format: json`). Never throws. */
export function decodeRecord(registry: SchemaRegistry, message: Pick<TopicMessage, "value" | "headers">): DecodedRecord {
  const bytes = message.value;
  if (!bytes || bytes.length === 0) return { kind: "undecodable", reason: "empty value (a tombstone or an empty record)" };
  const fingerprint = headerString(message.headers, FINGERPRINT_HEADER);
  if (fingerprint === undefined) {
    try {
      const value: unknown = JSON.parse(bytes.toString("utf8"));
      if (typeof value === "object" && value !== null && typeof (value as Post).id === "string" && typeof (value as Post).text === "string") return { kind: "post", version: "json", value: value as Post };
      return { kind: "undecodable", reason: `no ${FINGERPRINT_HEADER} header, and JSON that is no post` };
    } catch {
      return { kind: "undecodable", reason: `no ${FINGERPRINT_HEADER} header, and not JSON` };
    }
  }
  const writer = registry.byWriterFingerprint(fingerprint);
  if (!writer) return { kind: "undecodable", reason: `unknown schema fingerprint ${fingerprint.slice(0, 12)}… (written by a newer Arbiter?)` };
  const decode = (body: Buffer) => ({ kind: writer.kind, version: writer.version, value: registry.decode(registry.version(writer.kind), body, fingerprint) }) as DecodedRecord;
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

const MAX_TEXT = 100;

/** Text on one line, cut at {@link MAX_TEXT} characters, quoted. */
function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat);
}

function verdicts(list: readonly PolicyVerdict[]): string {
  if (list.length === 0) return "no model verdicts";
  return list
    .map((v) => `${v.policyId}:${v.decision}${v.ruleIds.length > 0 ? `[${v.ruleIds.join(",")}]` : ""}@${v.confidence.toFixed(2)}${v.escalate ? " escalate" : ""}${v.source === "model" ? "" : ` (${v.source})`}`)
    .join(" ");
}

const time = (ms: number) => new Date(ms).toISOString();

function describe(decoded: Exclude<DecodedRecord, { kind: "undecodable" }>): string {
  switch (decoded.kind) {
    case "post": {
      const p: Post = decoded.value;
      return `post ${p.id} forum=${p.forumId || "-"} author=${p.authorId || "-"} ${snippet(p.text)}`;
    }
    case "decision": {
      const d: Decision = decoded.value;
      return `decision ${d.postId} ${d.action} stage=${d.stage} ${verdicts(d.verdicts)}${d.modelId ? ` model=${d.modelId}` : ""} ${Math.round(d.latencyMs)}ms at ${time(d.decidedAt)}`;
    }
    case "audit": {
      const a: Audit = decoded.value;
      const entries = a.entries.map((e) => `${e.policyId}: ${e.error ?? `${e.promptTokens}+${e.generatedTokens} tokens ${Math.round(e.latencyMs)}ms reasoning ${snippet(e.reasoning)}`}`);
      return `audit ${a.postId} stage=${a.stage} ${entries.join("; ")}`;
    }
    case "escalation": {
      const e: Escalation = decoded.value;
      return `escalation ${e.post.id} ${e.reason} policies=${e.policyIds.join(",")} ${verdicts(e.verdicts)} ${snippet(e.detail)}`;
    }
    case "ticket": {
      const t: Ticket = decoded.value;
      return `ticket ${t.post.id} ${verdicts(t.verdicts)} reason ${snippet(t.reason)}`;
    }
    case "appeal": {
      const a: Appeal = decoded.value;
      return `appeal ${a.post.id} by ${a.requestedBy} policies=${a.policyIds.length > 0 ? a.policyIds.join(",") : "all"} ${snippet(a.post.text)}${a.note ? ` note ${snippet(a.note)}` : ""}`;
    }
    case "deadLetter": {
      const l: DeadLetter = decoded.value;
      return `dead letter from ${l.topic} ${l.partition}@${l.offset} key=${l.key?.toString("utf8") ?? "-"} ${l.errorClass} at ${l.stage}: ${snippet(l.errorMessage)} (${l.value?.length ?? 0} bytes)`;
    }
  }
}

/** One readable line: where the record is, then what it says. */
export function formatRecord(message: TopicMessage, decoded: DecodedRecord): string {
  const where = `${message.topic} ${message.partition}@${message.offset}`;
  if (decoded.kind === "undecodable") return `${where} key=${message.key?.toString("utf8") ?? "-"} UNDECODABLE: ${decoded.reason} (${message.value?.length ?? 0} bytes)`;
  return `${where} ${describe(decoded)}`;
}

/** Buffers as base64 in JSON output (a dead letter's value and headers are bytes). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && (value as { type?: string }).type === "Buffer" && Array.isArray((value as { data?: unknown }).data)) {
    return { base64: Buffer.from((value as { data: number[] }).data).toString("base64") };
  }
  return value;
}

/** One JSON object a line: where the record is, its kind and schema version, and its value (or why it is undecodable). */
export function recordJson(message: TopicMessage, decoded: DecodedRecord): string {
  const base = { topic: message.topic, partition: message.partition, offset: message.offset, timestamp: Number(message.timestamp), key: message.key?.toString("utf8") ?? null };
  const body = decoded.kind === "undecodable" ? { kind: "undecodable", reason: decoded.reason, bytes: message.value?.length ?? 0 } : { kind: decoded.kind, version: decoded.version, value: decoded.value };
  return JSON.stringify({ ...base, ...body }, jsonReplacer);
}
