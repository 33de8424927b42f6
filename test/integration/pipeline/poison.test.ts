import { createHash } from "node:crypto";
import type { Message } from "kafkajs";
import { CUT_HEADER_PREFIX } from "@arbiter/shared/codec/dead-letter-record.js";
import { FINGERPRINT_HEADER } from "@arbiter/shared/codec/shipped-schemas.js";
import { testNamespace } from "../../support/namespace.js";
import { codecs, post, readDecisionsFor, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

function good(id: string, text: string): Message {
  return { key: id, ...codecs.post.encode(post(id, text)) };
}

/** A post whose text bytes are an encoded lone surrogate (ED A0 80): invalid UTF-8. */
function loneSurrogate(id: string): Message {
  const encoded = codecs.post.encode(post(id, "before XQZ after"));
  const at = encoded.value.indexOf("XQZ");
  Buffer.from([0xed, 0xa0, 0x80]).copy(encoded.value, at);
  return { key: id, ...encoded };
}

// Both ways the worker screens: in a screen thread (records and results cross packed, see
// screen-wire.ts) and on the main thread (screenThreads 0, also the fallback when a thread fails).
describe.each([1, 0])("with %i screen threads", (screenThreads) => {
  const ns = testNamespace(`poison mix ${screenThreads}`);
  const config = testConfig(ns, { pipeline: { screenThreads } });
  const under = workersUnderTest(ns.id, config);
  expect(config.pipeline.screenThreads).toBe(screenThreads);

  test("bad records go to the dead-letter topic with their reason and every good post is decided", async () => {
    const fp = codecs.post.writer.fingerprint;
    const truncated = codecs.post.encode(post("bad-truncated", "a perfectly fine post that gets cut"));
    const poison: Record<string, { message: Message; reason: RegExp }> = {
      "bad-avro": {
        message: { key: "bad-avro", value: Buffer.from([0x06, 0x61, 0x62, 0x63, 0xff, 0xff, 0xff, 0xff, 0x0f]), headers: { [FINGERPRINT_HEADER]: fp } },
        reason: /MALFORMED/,
      },
      "bad-truncated": { message: { key: "bad-truncated", value: truncated.value.subarray(0, 20), headers: truncated.headers }, reason: /MALFORMED/ },
      "bad-fingerprint": {
        message: {
          key: "bad-fingerprint",
          value: codecs.post.encode(post("bad-fingerprint", "hello")).value,
          headers: { [FINGERPRINT_HEADER]: "ab".repeat(32) },
        },
        reason: /UNKNOWN_FINGERPRINT/,
      },
      "bad-no-header": { message: { key: "bad-no-header", value: codecs.post.encode(post("bad-no-header", "hello")).value }, reason: /MISSING_FINGERPRINT/ },
      "bad-empty": { message: good("bad-empty", ""), reason: /INVALID_RECORD/ },
      "bad-huge": { message: good("bad-huge", "aimbot ".repeat(150_000)), reason: /OVERSIZED/ },
      "bad-surrogate": { message: loneSurrogate("bad-surrogate"), reason: /INVALID_RECORD/ },
    };
    const goodPosts = Array.from({ length: 12 }, (_, i) =>
      good(`good-${i}`, i % 6 === 0 ? `cheap aimbot number ${i} for sale` : `good game ${i}, well played`),
    );
    const messages: Message[] = [];
    const bad = Object.values(poison).map((p) => p.message);
    goodPosts.forEach((m, i) => {
      messages.push(m);
      if (bad[i]) messages.push(bad[i]!);
    });
    const producer = under.kafka.producer();
    await producer.connect();
    for (const m of messages) await producer.send({ topic: config.kafka.topics.posts, messages: [m], acks: -1 });
    await producer.disconnect();

    const deadLetters = await readRecords(under.kafka, config.kafka.topics.dlq, "deadLetter", {
      groupId: ns.group("check-dlq"),
      until: (seen) => seen.length >= bad.length,
      timeoutMs: 60_000,
    });
    const byKey = new Map(deadLetters.map((d) => [d.key?.toString(), d]));
    expect([...byKey.keys()].sort()).toEqual(Object.keys(poison).sort());
    for (const [key, { message, reason }] of Object.entries(poison)) {
      const letter = byKey.get(key)!;
      expect(`${letter.errorClass} ${letter.errorMessage}`).toMatch(reason);
      expect(letter.stage).toBe("decode");
      expect(letter.topic).toBe(config.kafka.topics.posts);
      // The original bytes are kept, so nothing is lost; past the dead-letter bound (1,000,000 bytes,
      // bad-huge's 1.05 MB) a prefix is kept, with the whole value's length and SHA-256.
      const original = message.value as Buffer;
      const cut = letter.headers[`${CUT_HEADER_PREFIX}value`];
      if (original.length < 1_000_000) expect(Buffer.compare(letter.value!, original)).toBe(0);
      else {
        expect(JSON.parse(cut!.toString())).toEqual({ length: original.length, sha256: createHash("sha256").update(original).digest("hex") });
        expect(Buffer.compare(letter.value!, original.subarray(0, letter.value!.length))).toBe(0);
      }
    }

    // Every good post is decided; every bad one too (its key names it), unread: REVIEW, input.onUnreadable.
    const decisions = await readDecisionsFor(under.kafka, config.kafka.topics.decisions, goodPosts.length + bad.length, {
      groupId: ns.group("check-decisions"),
      timeoutMs: 120_000,
    });
    expect([...new Set(decisions.map((d) => d.postId))].sort()).toEqual([...goodPosts.map((m) => String(m.key)), ...Object.keys(poison)].sort());
    for (const d of decisions) {
      if (d.postId.startsWith("bad-")) {
        expect(d).toMatchObject({ action: "REVIEW", stage: "primary" });
        expect(d.unreadable).toMatch(poison[d.postId]!.reason);
      } else expect(d.unreadable).toBeNull();
    }
    expect((await fetch(`http://127.0.0.1:${under.worker.httpPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${under.worker.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/arbiter_dead_letters_total\{reason="OVERSIZED"\} 1/);
  }, 200_000);
});
