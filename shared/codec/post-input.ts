import { DecodeError } from "./errors/decode-error.js";
import type { Headers } from "../kafka/consumed-record.js";
import type { Post } from "./records.js";
import type { PostFormat } from "./codec-settings.js";
import type { InboundRecord } from "../kafka/consumed-record.js";

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Turns an Avro record value into a Post: the Post codec (`avro`) or a ConfluentPostDecoder (`confluent-avro`). */
export interface PostDecoder {
  decode(value: Buffer, headers: Headers | undefined): Post;
}

/** Reads a post from the posts topic (Avro with a fingerprint header, Avro in the Confluent wire format, or JSON) and validates it. */
export function readPost(record: InboundRecord, format: PostFormat, maxRecordBytes: number, decoder: PostDecoder): Post {
  const value = record.value;
  if (!value || value.length === 0) throw new DecodeError("MALFORMED", "empty record value");
  if (value.length > maxRecordBytes) {
    throw new DecodeError("OVERSIZED", `record of ${value.length} bytes exceeds input.maxRecordBytes (${maxRecordBytes})`);
  }
  const avro = format !== "json";
  const post = avro ? decoder.decode(value, record.headers) : parseJsonPost(value);
  validatePost(post);
  // avsc turns invalid UTF-8 (e.g. an encoded lone surrogate) into U+FFFD; valid text round-trips to
  // the exact bytes in the record, corrupted text does not.
  if (avro && post.text.includes("\uFFFD") && !value.includes(Buffer.from(post.text, "utf8"))) {
    throw new DecodeError("INVALID_RECORD", `post ${post.id} text is not valid UTF-8 (an encoded surrogate or a broken sequence)`);
  }
  return post;
}

/** The longest id (post, forum, author, thread) Arbiter accepts: ids are keys and headers downstream. */
export const MAX_ID_CHARS = 512;
/** The longest language tag. */
const MAX_LANGUAGE_CHARS = 64;
/** The latest instant a JavaScript Date holds (epoch milliseconds). */
export const MAX_CREATED_AT_MS = 8_640_000_000_000_000;

/** JSON.parse's message without the snippet of the record Node 20+ quotes (post text never reaches a log or a decision). */
function jsonSyntaxMessage(error: Error): string {
  const at = /position (\d+)/.exec(error.message);
  return at ? `not JSON: a syntax error at position ${at[1]}` : "not JSON: a syntax error";
}

function parseJsonPost(value: Buffer): Post {
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString("utf8"));
  } catch (error) {
    throw new DecodeError("MALFORMED", jsonSyntaxMessage(error as Error));
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new DecodeError("INVALID_RECORD", "a JSON post must be an object");
  const o = raw as Record<string, unknown>;
  const optionalString = (field: string): string | null => {
    const v = o[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") throw new DecodeError("INVALID_RECORD", `post field "${field}" must be a string`);
    return v;
  };
  const metadata: Record<string, string> = {};
  if (o.metadata !== undefined && o.metadata !== null) {
    if (typeof o.metadata !== "object" || Array.isArray(o.metadata))
      throw new DecodeError("INVALID_RECORD", 'post field "metadata" must be an object of strings');
    for (const [k, v] of Object.entries(o.metadata)) {
      // Numbers and booleans are written as text; an object, an array or null has no faithful string.
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")
        throw new DecodeError("INVALID_RECORD", `post field "metadata.${k.slice(0, 64)}" must be a string`);
      metadata[k] = String(v);
    }
  }
  let createdAt: unknown = o.createdAt;
  if (createdAt === undefined) createdAt = Date.now();
  else if (typeof createdAt === "string") createdAt = Date.parse(createdAt);
  else if (typeof createdAt !== "number") throw new DecodeError("INVALID_RECORD", 'post field "createdAt" must be epoch milliseconds or an ISO date');
  return {
    id: o.id as string,
    forumId: optionalString("forumId") ?? "",
    authorId: optionalString("authorId") ?? "",
    text: o.text as string,
    language: optionalString("language"),
    createdAt: createdAt as number,
    metadata,
    threadId: optionalString("threadId"),
  };
}

function checkString(field: string, value: unknown, maxChars: number | null): string {
  if (typeof value !== "string") throw new DecodeError("INVALID_RECORD", `post field "${field}" must be a string`);
  if (maxChars !== null && value.length > maxChars)
    throw new DecodeError("INVALID_RECORD", `post field "${field}" has ${value.length} characters, more than ${maxChars}`);
  const bad = loneSurrogate.exec(value);
  if (bad) throw new DecodeError("INVALID_RECORD", `post field "${field}" holds a lone surrogate at index ${bad.index} (not valid Unicode)`);
  return value;
}

/**
 * Every field of a post, checked before anything is encoded from it: a value that passes can be
 * written in every record the pipeline makes (decision, audit, escalation, ticket). Each error
 * names the field.
 */
export function validatePost(post: Post): void {
  if (typeof post.id !== "string" || post.id.trim() === "") throw new DecodeError("INVALID_RECORD", 'post has no id (field "id" must be a non-blank string)');
  checkString("id", post.id, MAX_ID_CHARS);
  if (typeof post.text !== "string") throw new DecodeError("INVALID_RECORD", `post ${post.id} has no text (field "text" must be a string)`);
  if (post.text.trim() === "") throw new DecodeError("INVALID_RECORD", `post ${post.id} has empty text`);
  const bad = loneSurrogate.exec(post.text);
  if (bad) throw new DecodeError("INVALID_RECORD", `post ${post.id} text holds a lone surrogate at index ${bad.index} (not valid Unicode)`);
  checkString("forumId", post.forumId, MAX_ID_CHARS);
  checkString("authorId", post.authorId, MAX_ID_CHARS);
  if (post.language !== null) checkString("language", post.language, MAX_LANGUAGE_CHARS);
  if (post.threadId !== undefined && post.threadId !== null) checkString("threadId", post.threadId, MAX_ID_CHARS);
  if (!Number.isSafeInteger(post.createdAt) || post.createdAt < 0 || post.createdAt > MAX_CREATED_AT_MS)
    throw new DecodeError("INVALID_RECORD", `post field "createdAt" must be an integer count of epoch milliseconds from 0 to ${MAX_CREATED_AT_MS}`);
  if (typeof post.metadata !== "object" || post.metadata === null || Array.isArray(post.metadata))
    throw new DecodeError("INVALID_RECORD", 'post field "metadata" must be a map of strings');
  for (const [k, v] of Object.entries(post.metadata)) {
    checkString("metadata key", k, null);
    checkString(`metadata.${k.slice(0, 64)}`, v, null);
  }
}

/** What can still be told of a post that cannot be read: enough to key a decision on it. */
export interface UnreadablePost {
  /** The post id: the value's own `id` when it can be read there, else the record key. */
  id: string;
  forumId: string;
  /** Epoch milliseconds; 0 when unknown. */
  createdAt: number;
}

const usableId = (v: unknown): v is string => typeof v === "string" && v.trim() !== "" && v.length <= MAX_ID_CHARS && !loneSurrogate.test(v);

/**
 * The id (and forum, and creation time, where they can be read) of a post that failed to be
 * read, from its JSON value when it parses (never for an oversized record) or else from its key;
 * null when neither holds a usable id: then the record gets a dead letter only.
 */
export function unreadablePost(record: InboundRecord, format: PostFormat, maxRecordBytes: number): UnreadablePost | null {
  const value = record.value;
  if (format === "json" && value && value.length > 0 && value.length <= maxRecordBytes) {
    let raw: unknown;
    try {
      raw = JSON.parse(value.toString("utf8"));
    } catch {
      raw = undefined;
    }
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      const o = raw as Record<string, unknown>;
      if (usableId(o.id)) {
        const createdAt = o.createdAt;
        return {
          id: o.id,
          forumId: usableId(o.forumId) ? o.forumId : "",
          createdAt: typeof createdAt === "number" && Number.isSafeInteger(createdAt) && createdAt >= 0 && createdAt <= MAX_CREATED_AT_MS ? createdAt : 0,
        };
      }
    }
  }
  const key = record.key;
  if (!key || key.length === 0 || key.length > MAX_ID_CHARS * 3) return null;
  const id = key.toString("utf8");
  // A key that is not valid UTF-8 decodes with U+FFFD and would not name the post it was written with.
  if (!usableId(id) || !Buffer.from(id, "utf8").equals(key)) return null;
  return { id, forumId: "", createdAt: 0 };
}
