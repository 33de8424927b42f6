import type { Kafka } from "kafkajs";
import type { Decision, Post } from "../codec/records.js";
import { ShippedSchemas } from "../codec/shipped-schemas.js";
import { decodeRecord } from "../codec/topic-record.js";
import { rangesFor, readRanges } from "../replay/topic-range-reader.js";
import type { SweepInput } from "./sweep-run.js";

/** How long before the window a post may have been written and still be decided in it. */
const POST_SLACK_MS = 3_600_000;

/**
 * The window's decisions (the decisions topic, by time) and the posts they decided (the posts
 * topic from an hour before the window: a decision carries no text). Posts in Arbiter's Avro or
 * JSON; a record of another kind or unreadable is left out. `fromMs`/`toMs`: epoch ms (`toMs` null: now).
 */
export async function readSweepInput(
  kafka: Kafka,
  topics: { decisions: string; posts: string },
  fromMs: number,
  toMs: number | null,
  now: number,
): Promise<SweepInput> {
  const schemas = ShippedSchemas.load();
  const decisions: Decision[] = [];
  const posts = new Map<string, Post>();
  const to = toMs === null ? null : `${toMs}ms`;
  const [decisionRanges, postRanges] = await Promise.all([
    rangesFor(kafka, topics.decisions, `${fromMs}ms`, to, now),
    rangesFor(kafka, topics.posts, `${Math.max(0, fromMs - POST_SLACK_MS)}ms`, to, now),
  ]);
  await Promise.all([
    readRanges(kafka, topics.decisions, decisionRanges, (record) => {
      const d = decodeRecord(schemas, record);
      if (d.kind === "decision") decisions.push(d.value);
    }),
    readRanges(kafka, topics.posts, postRanges, (record) => {
      const d = decodeRecord(schemas, record);
      if (d.kind === "post") posts.set(d.value.id, d.value);
    }),
  ]);
  return { decisions, posts };
}
