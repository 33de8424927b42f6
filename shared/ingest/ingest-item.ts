import { DecodeError } from "../codec/errors/decode-error.js";
import { validatePost } from "../codec/post-input.js";
import type { Post } from "../codec/records.js";
import { IngestRejection, payloadError } from "./ingest-errors.js";

/**
 * Metadata keys the gateway and pollers set on every Post they produce. An edit is carried here
 * (`ingest.edit: "true"`) rather than in a new Post field: `metadata` is already in every schema
 * version, so no reader changes and older consumers see an ordinary post.
 */
export const META = {
  source: "ingest.source",
  event: "ingest.event",
  edit: "ingest.edit",
  platform: "ingest.platform",
  kind: "ingest.kind",
} as const;

/** Something that happened to a post that is not a post to read: recorded on `ingest.eventsTopic`, keyed by post id. */
export interface IngestEvent {
  type: "post_deleted";
  postId: string;
  forumId: string;
  source: string;
  /** The platform's own name of the event (e.g. `post_destroyed`). */
  platformEvent: string;
  /** Epoch milliseconds the gateway took it. */
  receivedAt: number;
}

/** What one request or listing item becomes. */
export type IngestItem =
  | { kind: "post"; post: Post; edit: boolean }
  | { kind: "event"; event: IngestEvent }
  /** A well-formed event the gateway does not act on (a ping, a topic or user event): 202, nothing produced. */
  | { kind: "ignored"; reason: string };

/** Checks a mapped post as the workers will (codec/post-input.ts), as a 422 naming the field. */
export function checkedPost(post: Post): Post {
  try {
    validatePost(post);
  } catch (error) {
    if (error instanceof DecodeError) throw new IngestRejection(422, "BAD_PAYLOAD", error.message);
    throw error;
  }
  return post;
}

/** An object, or a 422 naming the field. */
export function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw payloadError(field, "must be an object");
  return value as Record<string, unknown>;
}

/** A non-blank string, or a 422 naming the field. */
export function stringAt(o: Record<string, unknown>, field: string, path = field): string {
  const v = o[field];
  if (typeof v !== "string" || v.trim() === "") throw payloadError(path, v === undefined ? "is missing" : "must be a non-blank string");
  return v;
}

/** An integer id as text, or a 422 naming the field; `signed` lets a negative through (Discourse's system user is -1, discobot -2). */
export function intIdAt(o: Record<string, unknown>, field: string, path = field, signed = false): string {
  const v = o[field];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || (!signed && v < 0))
    throw payloadError(path, v === undefined ? "is missing" : signed ? "must be an integer" : "must be a non-negative integer");
  return String(v);
}

/** An ISO-8601 instant as epoch milliseconds, or a 422 naming the field. */
export function instantAt(o: Record<string, unknown>, field: string, path = field): number {
  const v = o[field];
  // Lemmy 0.19 writes `published` without a zone in some versions: read it as UTC.
  const text = typeof v === "string" && /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v) ? `${v}Z` : v;
  const ms = typeof text === "string" ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) throw payloadError(path, v === undefined ? "is missing" : "must be an ISO-8601 date-time");
  return ms;
}
