import { createHash } from "node:crypto";
import type { TopicNames } from "../kafka/kafka-settings.js";
import { deadLetterCode } from "../errors/arbiter-error.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { Codecs } from "./codecs.js";
import type { DeadLetter, HttpExchange } from "./records.js";

/**
 * The largest dead letter written (key, value and headers of the Kafka record): below the
 * broker's default `max.message.bytes` (1,048,588, which counts the batch framing too). A
 * dead-letter topic set lower has a dead letter refused; the stream runner then writes a minimal one.
 */
export const DEAD_LETTER_MAX_BYTES = 1_000_000;
/** What is kept of a header value, a header name or a key that is cut. */
const KEPT_BYTES = 1024;
/** The longest header name kept as it is. */
const KEPT_NAME_BYTES = 256;
/** Headers kept when a record has more. */
const KEPT_HEADERS = 100;
const KEPT_MESSAGE_CHARS = 4096;
/** Headers of a cut dead letter that describe what was cut: `{"length":…,"sha256":…}` of the original bytes. */
export const CUT_HEADER_PREFIX = "arbiter.cut.";

/** The dead-letter record for input that cannot be processed: the original bytes, the reason and, from a sink, the HTTP exchange it ended with. */
export function deadLetterRecord(
  deps: { codecs: Codecs; topics: TopicNames; maxDeadLetterBytes?: number },
  record: InboundRecord,
  error: Error,
  stage: string,
  now: number,
  response: HttpExchange | null = null,
): OutboundRecord {
  const maxBytes = deps.maxDeadLetterBytes ?? DEAD_LETTER_MAX_BYTES;
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    // The dead letter's headers are a map of bytes: a null header value has no place there.
    if (first !== undefined && first !== null) headers[name] = Buffer.from(first);
  }
  const code = deadLetterCode(error);
  const letter: DeadLetter = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers,
    errorClass: code ? `${error.name}:${code}` : error.name,
    errorMessage: error.message,
    stage,
    attempts: 1,
    firstSeenAt: now,
    response,
  };
  const encode = (l: DeadLetter): OutboundRecord => ({ topic: deps.topics.dlq, key: l.key?.toString("utf8") ?? null, ...deps.codecs.deadLetter.encode(l) });
  const whole = encode(letter);
  if (recordBytes(whole) <= maxBytes) return whole;
  return encode(cutToFit(letter, (l) => recordBytes(encode(l)), maxBytes));
}

/** Bytes a record takes in a batch, near enough: key, value, header names and values. */
export function recordBytes(record: OutboundRecord): number {
  let bytes = record.value.length + (record.key === null ? 0 : typeof record.key === "string" ? Buffer.byteLength(record.key) : record.key.length);
  for (const [name, value] of Object.entries(record.headers))
    bytes += Buffer.byteLength(name) + (typeof value === "string" ? Buffer.byteLength(value) : value.length);
  return bytes;
}

function note(bytes: Buffer): Buffer {
  return Buffer.from(JSON.stringify({ length: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") }));
}

/**
 * A dead letter cut to `maxBytes`: long header values, header names and the key keep their
 * first KiB, headers past the hundredth are dropped, and the value keeps what room is left;
 * each cut leaves an `arbiter.cut.*` header with the original's length and SHA-256. Past that
 * (it cannot happen with sane limits), the value and headers go and only the notes stay.
 */
function cutToFit(letter: DeadLetter, size: (l: DeadLetter) => number, maxBytes: number): DeadLetter {
  const notes: Record<string, Buffer> = {};
  const headers: Record<string, Buffer> = {};
  const entries = Object.entries(letter.headers);
  entries.slice(0, KEPT_HEADERS).forEach(([name, value]) => {
    let kept = name;
    if (Buffer.byteLength(name) > KEPT_NAME_BYTES) {
      kept = `${CUT_HEADER_PREFIX}name.${createHash("sha256").update(name).digest("hex")}`;
      notes[`${kept}.name`] = note(Buffer.from(name));
    }
    if (value.length > KEPT_BYTES) notes[`${CUT_HEADER_PREFIX}header.${kept}`] = note(value);
    headers[kept] = value.subarray(0, KEPT_BYTES);
  });
  if (entries.length > KEPT_HEADERS) {
    const dropped = entries.slice(KEPT_HEADERS);
    notes[`${CUT_HEADER_PREFIX}headers`] = Buffer.from(
      JSON.stringify({ dropped: dropped.length, length: dropped.reduce((n, [k, v]) => n + Buffer.byteLength(k) + v.length, 0) }),
    );
  }
  let key = letter.key;
  if (key && key.length > KEPT_BYTES) {
    notes[`${CUT_HEADER_PREFIX}key`] = note(key);
    key = key.subarray(0, KEPT_BYTES);
  }
  const errorMessage = letter.errorMessage.length > KEPT_MESSAGE_CHARS ? `${letter.errorMessage.slice(0, KEPT_MESSAGE_CHARS)}…` : letter.errorMessage;
  const value = letter.value;
  if (value) notes[`${CUT_HEADER_PREFIX}value`] = note(value);
  const cut: DeadLetter = { ...letter, key, errorMessage, headers: { ...headers, ...notes }, value: Buffer.alloc(0) };
  // What is left for the value, with room for the length prefixes of the encoding.
  const room = maxBytes - size(cut) - 16;
  if (room >= 0) {
    const fitted = { ...cut, value: value ? value.subarray(0, Math.min(value.length, room)) : null };
    if (value && value.length <= room) delete fitted.headers[`${CUT_HEADER_PREFIX}value`];
    if (size(fitted) <= maxBytes) return fitted;
  }
  return { ...cut, value: null, headers: notes };
}
