import type { Producer } from "kafkajs";
import type { RecordStore, ErasureResult } from "./record-store.js";

export type ErasureSubject = { post: string } | { author: string };

/**
 * Erases a post, or an author's posts, everywhere Arbiter keeps them for long: a tombstone (null
 * value) for each post's key on the decisions topic, which is compacted and keyed by post id
 * (`topics.decisions.cleanupPolicy: compact`, shared/pipeline/output-records.ts), so compaction
 * drops every decision of the post and then the tombstone; then the store's rows, and the mark
 * that keeps a redelivered record out. The tombstones go first: a failure after them leaves the
 * rows in the store, and running the erasure again finds the same posts and finishes it.
 */
export async function erase(store: RecordStore, producer: Producer, decisionsTopic: string, subject: ErasureSubject): Promise<ErasureResult> {
  const postIds = await store.postsOf(subject);
  if (postIds.length > 0) await producer.send({ topic: decisionsTopic, acks: -1, messages: postIds.map((key) => ({ key, value: null })) });
  const result = await store.erase(subject);
  return { postIds: [...new Set([...postIds, ...result.postIds])].sort(), deleted: result.deleted };
}
