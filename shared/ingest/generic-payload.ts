import { MAX_ID_CHARS } from "../codec/post-input.js";
import type { Post } from "../codec/records.js";
import { payloadError } from "./ingest-errors.js";
import { checkedPost, META, objectAt, stringAt, type IngestItem } from "./ingest-item.js";

/**
 * Arbiter's generic JSON post (docs/platforms/ingest.md), signed with `X-Arbiter-Signature`:
 * `{"event"?: "created"|"edited"|"deleted", "id", "text", "authorId", "createdAt"?, "threadId"?,
 * "language"?, "metadata"?}`; the forum is the source's. A deletion needs only `id`.
 */
export function mapGeneric(body: unknown, source: { name: string; forumId: string }, now: number): IngestItem {
  const o = objectAt(body, "body");
  const event = o.event ?? "created";
  if (event !== "created" && event !== "edited" && event !== "deleted") throw payloadError("event", 'must be "created", "edited" or "deleted"');
  const id = stringAt(o, "id");
  if (id.length > MAX_ID_CHARS) throw payloadError("id", `has ${id.length} characters, more than ${MAX_ID_CHARS}`);
  if (event === "deleted")
    return {
      kind: "event",
      event: { type: "post_deleted", postId: id, forumId: source.forumId, source: source.name, platformEvent: "deleted", receivedAt: now },
    };
  const optional = (field: string): string | null => {
    const v = o[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") throw payloadError(field, "must be a string");
    return v;
  };
  const createdAt = o.createdAt ?? now;
  if (typeof createdAt !== "number" || !Number.isSafeInteger(createdAt)) throw payloadError("createdAt", "must be an integer of epoch milliseconds");
  const metadata: Record<string, string> = {};
  if (o.metadata !== undefined && o.metadata !== null) {
    for (const [k, v] of Object.entries(objectAt(o.metadata, "metadata"))) {
      if (typeof v !== "string") throw payloadError(`metadata.${k.slice(0, 64)}`, "must be a string");
      if (k.startsWith("ingest.")) throw payloadError(`metadata.${k.slice(0, 64)}`, 'is reserved: keys starting "ingest." are the gateway\'s');
      metadata[k] = v;
    }
  }
  if (typeof o.text !== "string") throw payloadError("text", o.text === undefined ? "is missing" : "must be a string");
  const post: Post = {
    id,
    forumId: source.forumId,
    authorId: stringAt(o, "authorId"),
    text: o.text,
    language: optional("language"),
    createdAt,
    metadata: {
      ...metadata,
      [META.source]: source.name,
      [META.platform]: "generic",
      [META.event]: event,
      ...(event === "edited" ? { [META.edit]: "true" } : {}),
    },
    threadId: optional("threadId"),
  };
  return { kind: "post", post: checkedPost(post), edit: event === "edited" };
}
