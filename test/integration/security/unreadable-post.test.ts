// Issue 18: with JSON input, one post with createdAt 1.5 used to pass validation and then throw
// while its decision was encoded, outside the per-record handling: the chunk's good posts lost
// their decisions. Now the bad post alone fails: a dead letter, and a REVIEW decision unread
// (input.onUnreadable) with its ticket.
import type { Message } from "kafkajs";
import { testNamespace } from "../../support/namespace.js";
import { readDecisionsFor, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

const json = (o: Record<string, unknown>): Message => ({ key: String(o.id), value: Buffer.from(JSON.stringify(o)), partition: 0 });

// Both ways the worker screens: in a screen thread and on the main thread.
describe.each([1, 0])("with %i screen threads", (screenThreads) => {
  const ns = testNamespace(`unreadable ${screenThreads}`);
  const config = testConfig(ns, { input: { format: "json" }, pipeline: { screenThreads } });
  const under = workersUnderTest(ns.id, config);
  expect(config.input.onUnreadable).toBe("REVIEW");

  test("a chunk with one createdAt 1.5 among good posts: every good post is decided, the bad one gets its dead letter and a REVIEW decision", async () => {
    const good = Array.from({ length: 9 }, (_, i) => ({
      id: `good-${i}`,
      forumId: "games",
      text: `good game ${i}, well played`,
      createdAt: 1_700_000_000_000 + i,
    }));
    const bad = { id: "bad-created-at", forumId: "games", text: "good game, see you", createdAt: 1.5 };
    const messages = [...good.slice(0, 4), bad, ...good.slice(4)].map(json);
    const producer = under.kafka.producer();
    await producer.connect();
    // One send to one partition: one batch, so the worker meets the bad post inside a chunk of good ones.
    await producer.send({ topic: config.kafka.topics.posts, messages, acks: -1 });
    await producer.disconnect();

    const decisions = await readDecisionsFor(under.kafka, config.kafka.topics.decisions, good.length + 1, {
      groupId: ns.group("check-decisions"),
      timeoutMs: 120_000,
    });
    const byPost = new Map(decisions.map((d) => [d.postId, d]));
    expect([...byPost.keys()].sort()).toEqual([...good.map((p) => p.id), bad.id].sort());
    for (const p of good) {
      expect(byPost.get(p.id)).toMatchObject({ action: "ALLOW", unreadable: null, postCreatedAt: p.createdAt });
    }
    const unread = byPost.get(bad.id)!;
    expect(unread).toMatchObject({ action: "REVIEW", stage: "primary", forumId: "games", verdicts: [] });
    expect(unread.unreadable).toMatch(/^decode: DecodeError:INVALID_RECORD: post field "createdAt"/);

    const [letter] = await readRecords(under.kafka, config.kafka.topics.dlq, "deadLetter", {
      groupId: ns.group("check-dlq"),
      until: (seen) => seen.length >= 1,
      timeoutMs: 30_000,
    });
    expect(letter).toMatchObject({ stage: "decode", errorClass: "DecodeError:INVALID_RECORD", offset: "4" });
    expect(letter!.errorMessage).toContain('"createdAt"');
    expect(letter!.value!.toString()).toBe(JSON.stringify(bad));

    const tickets = await readRecords(under.kafka, config.kafka.topics.tickets, "ticket", {
      groupId: ns.group("check-tickets"),
      until: (seen) => seen.length >= 1,
      timeoutMs: 30_000,
    });
    expect(tickets.map((t) => [t.post.id, t.decisionId])).toEqual([[bad.id, unread.decisionId]]);
    expect((await fetch(`http://127.0.0.1:${under.worker.httpPort}/readyz`)).status).toBe(200);
  }, 200_000);
});
