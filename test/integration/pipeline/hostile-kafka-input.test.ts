import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { createTopics } from "@arbiter/shared/kafka/topic-admin.js";
import { CUT_HEADER_PREFIX, DEAD_LETTER_MAX_BYTES } from "@arbiter/shared/codec/dead-letter-record.js";
import { isTooLarge } from "@arbiter/shared/kafka/assigned-partition.js";
import { testKafka } from "../../support/kafka.js";
import { repoRoot } from "../../support/env.js";
import { testNamespace } from "../../support/namespace.js";
import { readDecisionsFor, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

/** Kafka's own console producer (the Java client, with its own codecs): one JSON post per line. */
function consoleProduce(topic: string, codec: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "bash",
      [path.join(repoRoot, "scripts/kafka-console-producer.sh"), "--bootstrap-server", "127.0.0.1:9092", "--topic", topic, "--compression-codec", codec],
      { maxBuffer: 1 << 20, timeout: 120_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`kafka-console-producer ${codec} failed: ${error.message}\n${stderr}`)) : resolve()),
    );
    child.stdin!.end(lines.map((l) => `${l}\n`).join(""));
  });
}

const line = (id: string, text: string) => JSON.stringify({ id, forumId: "games", authorId: `a-${id}`, text });
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
/** The posts topic takes records up to 2 MB (as one set for long posts might): a dead letter copying one whole would pass the broker's default limit. */
const POSTS_MAX_MESSAGE_BYTES = 2_000_000;

const ns = testNamespace("hostile kafka input");
const config = testConfig(ns, { input: { format: "json" }, kafka: { maxDecompressedBytes: 262_144 } });
// Before the worker starts (and creates the rest): the posts topic with its larger limit.
beforeAll(async () => {
  await createTopics(testKafka(`${ns.id}-setup`), [
    { name: config.kafka.topics.posts, partitions: 3, replicationFactor: 1, configs: { "max.message.bytes": String(POSTS_MAX_MESSAGE_BYTES) } },
  ]);
}, 60_000);
const under = workersUnderTest(ns.id, config);

test("posts compressed by Kafka's own producer with every codec are decided; a bomb batch and a 600 KB header each end as one bounded dead letter, and the partition moves on", async () => {
  const posts = config.kafka.topics.posts;
  for (const codec of CODECS)
    await consoleProduce(
      posts,
      codec,
      [1, 2, 3].map((i) => line(`${codec}-${i}`, `good game ${i}, well played (${codec})`)),
    );
  // Inflates past kafka.maxDecompressedBytes (256 KiB); the broker takes it (its limit is on the compressed batch).
  await consoleProduce(posts, "gzip", [line("bomb-1", "a".repeat(400_000))]);

  const producer = under.kafka.producer();
  await producer.connect();
  const header = Buffer.alloc(600_000, "h");
  const value = Buffer.alloc(600_000, "v");
  // Not JSON, 1.2 MB: its dead letter copied whole would pass the dead-letter topic's (default) 1 MB.
  await producer.send({ topic: posts, acks: -1, messages: [{ key: "hdr-1", value, headers: { big: header, trace: "t-1" } }] });
  await producer.disconnect();
  await consoleProduce(posts, "lz4", [line("after-1", "good game after all that")]);

  const decisions = await readDecisionsFor(under.kafka, config.kafka.topics.decisions, CODECS.length * 3 + 2, {
    groupId: ns.group("check-decisions"),
    timeoutMs: 180_000,
  });
  const decided = new Set(decisions.map((d) => d.postId));
  // The unreadable record, keyed, is decided too (input.onUnreadable, REVIEW) besides its dead letter; the bomb batch, whose records are never read, is not.
  expect([...decided].sort()).toEqual([...CODECS.flatMap((c) => [1, 2, 3].map((i) => `${c}-${i}`)), "after-1", "hdr-1"].sort());
  expect(decisions.find((d) => d.postId === "hdr-1")).toMatchObject({ action: "REVIEW", unreadable: expect.stringMatching(/^decode: /) });

  const letters = await readRecords(under.kafka, config.kafka.topics.dlq, "deadLetter", {
    groupId: ns.group("check-dlq"),
    until: (seen) => seen.length >= 2,
    timeoutMs: 60_000,
  });
  expect(letters).toHaveLength(2);
  const bomb = letters.find((l) => l.errorClass.startsWith("UndecompressableBatchError"))!;
  expect(bomb.stage).toBe("fetch");
  expect(bomb.errorMessage).toMatch(/\(1 records, gzip\) cannot be decompressed: gzip batch inflates past kafka.maxDecompressedBytes \(262144 bytes\)/);
  // The raw batch: gzip's magic, and far smaller than what it inflates to.
  expect(bomb.value!.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  expect(bomb.value!.length).toBeLessThan(10_000);

  const cut = letters.find((l) => l.key?.toString() === "hdr-1")!;
  expect(cut.errorClass).toMatch(/MALFORMED|OVERSIZED/);
  // The value fits once the header is cut, so it is kept whole.
  expect(cut.value).toEqual(value);
  expect(cut.headers.big!.length).toBe(1024);
  expect(cut.headers.trace).toEqual(Buffer.from("t-1"));
  expect(JSON.parse(cut.headers[`${CUT_HEADER_PREFIX}header.big`]!.toString())).toEqual({ length: 600_000, sha256: sha(header) });

  expect((await fetch(`http://127.0.0.1:${under.worker.httpPort}/readyz`)).status).toBe(200);
}, 400_000);

test("the broker's refusal of a record past a topic's max.message.bytes is what the runner takes for too large (and replaces with a minimal dead letter)", async () => {
  const topic = ns.topic("small-limit");
  const kafka = testKafka(`${ns.id}-limit`);
  await createTopics(kafka, [{ name: topic, partitions: 1, replicationFactor: 1, configs: { "max.message.bytes": "300000" } }]);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const refusal = await producer.send({ topic, acks: -1, messages: [{ key: "k", value: Buffer.alloc(400_000) }] }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).not.toBeNull();
    expect(isTooLarge(refusal)).toBe(true);
    // The same producer goes on: a record that fits is taken.
    await producer.send({ topic, acks: -1, messages: [{ key: "k", value: Buffer.alloc(1000) }] });
    expect(DEAD_LETTER_MAX_BYTES).toBeLessThan(1_048_588);
  } finally {
    await producer.disconnect();
  }
}, 60_000);
