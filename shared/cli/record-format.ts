import type { Appeal, Audit, DeadLetter, Decision, Escalation, Post, PolicyVerdict, Ticket } from "../codec/records.js";
import type { DecodedRecord } from "../codec/topic-record.js";
import type { ConsumedRecord } from "../kafka/consumed-record.js";

const MAX_TEXT = 100;

/** Text on one line, cut at {@link MAX_TEXT} characters, quoted. */
function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat);
}

function verdicts(list: readonly PolicyVerdict[]): string {
  if (list.length === 0) return "no model verdicts";
  return list
    .map(
      (v) =>
        `${v.policyId}:${v.decision}${v.ruleIds.length > 0 ? `[${v.ruleIds.join(",")}]` : ""}@${v.confidence.toFixed(2)}${v.escalate ? " escalate" : ""}${v.source === "model" ? "" : ` (${v.source})`}`,
    )
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
      const entries = a.entries.map(
        (e) => `${e.policyId}: ${e.error ?? `${e.promptTokens}+${e.generatedTokens} tokens ${Math.round(e.latencyMs)}ms reasoning ${snippet(e.reasoning)}`}`,
      );
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
export function formatRecord(message: ConsumedRecord, decoded: DecodedRecord): string {
  const where = `${message.topic} ${message.partition}@${message.offset}`;
  if (decoded.kind === "undecodable")
    return `${where} key=${message.key?.toString("utf8") ?? "-"} UNDECODABLE: ${decoded.reason} (${message.value?.length ?? 0} bytes)`;
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
export function recordJson(message: ConsumedRecord, decoded: DecodedRecord): string {
  const base = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key?.toString("utf8") ?? null,
  };
  const body =
    decoded.kind === "undecodable"
      ? { kind: "undecodable", reason: decoded.reason, bytes: message.value?.length ?? 0 }
      : { kind: decoded.kind, version: decoded.version, value: decoded.value };
  return JSON.stringify({ ...base, ...body }, jsonReplacer);
}
