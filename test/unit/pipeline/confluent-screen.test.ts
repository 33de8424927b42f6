import path from "node:path";
import avro from "avsc";
import { ConfluentPostDecoder } from "@arbiter/shared/codec/confluent-post-decoder.js";
import { confluentFrame, confluentSchemaId } from "@arbiter/shared/codec/confluent-wire.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import type { WriterSchemaNote } from "@arbiter/shared/codec/writer-schema-cache.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { createCodecs, type OutputSchemaIds } from "@arbiter/shared/codec/codecs.js";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import { screenRecord, type ScreenResult } from "@arbiter/shared/pipeline/post-screen.js";
import { ScreenPool } from "@arbiter/shared/pipeline/screen-pool.js";
import type { ScreenRequest } from "@arbiter/shared/pipeline/screen-messages.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { forumFieldMap, forumPostSchema } from "../../support/confluent.js";
import { repoRoot } from "../../support/env.js";

const config = loadConfig(
  {
    input: { format: "confluent-avro", fieldMap: { ...forumFieldMap } },
    output: { format: "confluent-avro" },
    schemaRegistry: { url: "http://registry:8081" },
  },
  {},
);
const outputSchemaIds: OutputSchemaIds = { decision: 101, audit: 102, escalation: 103, ticket: 104, appeal: 106, deadLetter: 105 };
const registry = ShippedSchemas.load();
const codecs = createCodecs(registry, outputSchemaIds);
const forum = avro.Type.forSchema(forumPostSchema as avro.Schema);
const schemaNote: WriterSchemaNote = { id: 7, schema: JSON.stringify(forumPostSchema) };
const unknownNote: WriterSchemaNote = { id: 8, code: "UNKNOWN_SCHEMA_ID", reason: "the schema registry has no schema with id 8" };

function record(offset: number, id: string, body: string, schemaId = 7): InboundRecord {
  const value = confluentFrame(schemaId, forum.toBuffer({ id, community: "gaming", authorId: "a", body, createdAt: 1, likes: 0 }));
  return { topic: "posts", partition: 0, offset: String(offset), key: Buffer.from(id), value, headers: {} };
}

const chunk = () => [record(0, "ok-1", "good game everyone"), record(1, "cheat-1", "selling a private aimbot, dm me"), record(2, "lost", "hello", 8)];

/** The kind of each result, and each decision's or dead letter's schema id and post. */
function summary(results: ScreenResult[]): string[] {
  return results.map((r) => {
    if (r.kind === "to-model") return `to-model:${r.post.id}:${r.post.forumId}`;
    const [out] = r.records;
    const id = confluentSchemaId(out!.value);
    return r.kind === "decided" ? `decided:${codecs.decision.decode(out!.value, out!.headers).postId}@${id}` : `dead-letter:${r.reason}@${id}`;
  });
}

test("a screen thread decodes Confluent posts with the writer schemas it is sent, each once, and frames what it writes", async () => {
  const set = await loadPolicySet(path.join(repoRoot, "config/policies"));
  const notes = new Map([schemaNote, unknownNote].map((n) => [n.id, n]));
  const inline = chunk().map((r) =>
    screenRecord(r, {
      codecs,
      topics: config.kafka.topics,
      input: config.input,
      confluentPosts: new ConfluentPostDecoder(registry.version("post"), config.input.fieldMap, (id) => notes.get(id)),
      prefilter: new PolicyPrefilter(set, { maxModelChars: 8000, defaultEffort: "medium" }),
      now: Date.now,
    }),
  );
  expect(summary(inline)).toEqual(["decided:ok-1@101", "to-model:cheat-1:gaming", "dead-letter:UNKNOWN_SCHEMA_ID@105"]);

  const pool = await ScreenPool.start(
    1,
    { policies: [...set.policies], policySetVersion: set.version, maxModelChars: 8000, input: config.input, topics: config.kafka.topics, outputSchemaIds },
    silentLogger,
  );
  try {
    const [thread] = pool.threads;
    const sent: ScreenRequest[] = [];
    const post = thread!.postMessage.bind(thread);
    thread!.postMessage = (message: ScreenRequest, transfer) => {
      sent.push(message);
      post(message, transfer);
    };
    expect(summary(await pool.screen(chunk(), [schemaNote, unknownNote]))).toEqual(summary(inline));
    expect(summary(await pool.screen(chunk(), [schemaNote, unknownNote]))).toEqual(summary(inline));
    // The schema went once; the id without one goes each time (it may be registered by then).
    expect(sent.map((m) => m.schemas?.map((n) => n.id))).toEqual([[7, 8], [8]]);
    // Registered since: the thread reads id 8 now.
    const later = { id: 8, schema: JSON.stringify(forumPostSchema) };
    expect(summary(await pool.screen([record(3, "found", "good game", 8)], [later]))).toEqual(["decided:found@101"]);
  } finally {
    await pool.close();
  }
}, 30_000);
