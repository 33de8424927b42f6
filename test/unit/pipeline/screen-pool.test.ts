import path from "node:path";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { FINGERPRINT_HEADER } from "@arbiter/shared/codec/schema-registry.js";
import { createCodecs } from "@arbiter/shared/pipeline/codecs.js";
import type { InboundRecord } from "@arbiter/shared/pipeline/inbound-record.js";
import { PolicyBook } from "@arbiter/shared/pipeline/policy-book.js";
import { screenRecord, type ScreenResult } from "@arbiter/shared/pipeline/post-screen.js";
import { ScreenPool } from "@arbiter/shared/pipeline/screen-pool.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { repoRoot } from "../../support/env.js";

const config = loadConfig({}, {});
const codecs = createCodecs();
const policiesDir = path.join(repoRoot, "config/policies");

function record(offset: number, id: string, forumId: string, text: string, headers?: InboundRecord["headers"]): InboundRecord {
  const encoded = codecs.post.encode({ id, forumId, authorId: "a", text, language: null, createdAt: 1, metadata: {}, threadId: null });
  return { topic: "posts", partition: 0, offset: String(offset), key: Buffer.from(id), value: encoded.value, headers: headers ?? encoded.headers };
}

/** What a result says, without the clock-dependent parts. */
function essence(result: ScreenResult): unknown {
  if (result.kind === "to-model") return { kind: result.kind, id: result.post.id, toModel: result.toModel, policyIds: result.policyIds, cacheText: result.cacheText };
  return {
    kind: result.kind,
    records: result.records.map((r) => {
      expect(Buffer.isBuffer(r.value)).toBe(true);
      if (r.topic === config.kafka.topics.dlq) {
        const { firstSeenAt: _f, ...letter } = codecs.deadLetter.decode(r.value, r.headers);
        return { topic: r.topic, key: r.key?.toString(), letter: { ...letter, value: letter.value?.toString("hex") } };
      }
      const { decidedAt: _d, latencyMs: _l, ...decision } = codecs.decision.decode(r.value, r.headers);
      return { topic: r.topic, key: r.key?.toString(), decision };
    }),
  };
}

test("a screen thread gives the same results as screening on the main thread", async () => {
  const set = await loadPolicySet(policiesDir);
  const book = new PolicyBook(set, { maxModelChars: config.pipeline.maxModelChars });
  const records = [
    record(0, "ok-1", "gaming", "good game everyone, see you tomorrow"),
    record(1, "cheat-1", "gaming", "selling a private aimbot, dm me"),
    record(2, "ok-2", "general", "lovely weather here today"),
    record(3, "bad-fp", "gaming", "hello", { [FINGERPRINT_HEADER]: "00".repeat(32) }),
    // Kafka allows null header values: a null fingerprint is a missing one, and the record a dead letter.
    record(4, "null-fp", "gaming", "hello", { [FINGERPRINT_HEADER]: null, other: null }),
  ];
  const inline = records.map((r) => screenRecord(r, { codecs, topics: config.kafka.topics, input: config.input, prefilter: book, now: Date.now }));
  const pool = await ScreenPool.start(1, { policiesDir, only: [], policySetVersion: set.version, maxModelChars: config.pipeline.maxModelChars, input: config.input, topics: config.kafka.topics }, silentLogger);
  try {
    const threaded = await pool.screen(records);
    expect(threaded.map((r) => r.kind)).toEqual(["decided", "to-model", "decided", "dead-letter", "dead-letter"]);
    expect((threaded[4] as Extract<ScreenResult, { kind: "dead-letter" }>).reason).toBe("MISSING_FINGERPRINT");
    expect(threaded.map(essence)).toEqual(inline.map(essence));
  } finally {
    await pool.close();
  }
  await expect(pool.screen(records)).rejects.toThrow(/closed/);
}, 30_000);

test("a chunk still in a thread when the pool closes is rejected, not left pending", async () => {
  const set = await loadPolicySet(policiesDir);
  const pool = await ScreenPool.start(1, { policiesDir, only: [], policySetVersion: set.version, maxModelChars: config.pipeline.maxModelChars, input: config.input, topics: config.kafka.topics }, silentLogger);
  const many = Array.from({ length: 500 }, (_, i) => record(i, `p-${i}`, "gaming", "good game ".repeat(200)));
  const inFlight = pool.screen(many);
  await pool.close();
  await expect(inFlight).rejects.toThrow(/closed/);
}, 30_000);

test("a thread refuses a policy set other than the main thread's", async () => {
  await expect(
    ScreenPool.start(1, { policiesDir, only: [], policySetVersion: "not-this-one", maxModelChars: 100, input: config.input, topics: config.kafka.topics }, silentLogger),
  ).rejects.toThrow(/differs from the main thread/);
}, 30_000);
