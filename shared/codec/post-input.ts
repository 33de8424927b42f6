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

function parseJsonPost(value: Buffer): Post {
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString("utf8"));
  } catch (error) {
    throw new DecodeError("MALFORMED", `not JSON: ${(error as Error).message}`);
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
    for (const [k, v] of Object.entries(o.metadata)) metadata[k] = String(v);
  }
  const createdAt = o.createdAt === undefined ? Date.now() : typeof o.createdAt === "number" ? o.createdAt : Date.parse(String(o.createdAt));
  if (!Number.isFinite(createdAt)) throw new DecodeError("INVALID_RECORD", 'post field "createdAt" must be epoch milliseconds or an ISO date');
  return {
    id: typeof o.id === "string" ? o.id : (o.id as string),
    forumId: optionalString("forumId") ?? "",
    authorId: optionalString("authorId") ?? "",
    text: o.text as string,
    language: optionalString("language"),
    createdAt,
    metadata,
    threadId: optionalString("threadId"),
  };
}

export function validatePost(post: Post): void {
  if (typeof post.id !== "string" || post.id.trim() === "") throw new DecodeError("INVALID_RECORD", "post has no id");
  if (typeof post.text !== "string") throw new DecodeError("INVALID_RECORD", `post ${post.id} has no text`);
  if (post.text.trim() === "") throw new DecodeError("INVALID_RECORD", `post ${post.id} has empty text`);
  const bad = loneSurrogate.exec(post.text);
  if (bad) throw new DecodeError("INVALID_RECORD", `post ${post.id} text holds a lone surrogate at index ${bad.index} (not valid Unicode)`);
}
