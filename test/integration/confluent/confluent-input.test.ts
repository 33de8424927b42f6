import type { Message } from "kafkajs";
import { confluentFrame } from "@arbiter/shared/codec/confluent-wire.js";
import { schemaRegistryUrl } from "../../support/env.js";
import { ecosystemRegistry, forumFieldMap, forumPost, forumPostSchema, registerProducerSchema } from "../../support/confluent.js";
import { testNamespace } from "../../support/namespace.js";
import { readDecisionsFor, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

// Both ways the worker screens: in a screen thread (the writer schemas travel with the chunk) and on the main thread.
describe.each([1, 0])("confluent-avro posts with %i screen threads", (screenThreads) => {
  const ns = testNamespace(`confluent input ${screenThreads}`);
  const config = testConfig(ns, {
    input: { format: "confluent-avro", fieldMap: { ...forumFieldMap } },
    schemaRegistry: { url: schemaRegistryUrl },
    pipeline: { screenThreads },
  });
  const topics = config.kafka.topics;
  const under = workersUnderTest(ns.id, config);

  test("posts a separate producer wrote with a schema of its own are decided; bad ones are dead letters with the reason", async () => {
    // The forum backend's side: the ecosystem's client registers its own schema under <topic>-value and frames each post.
    const producerRegistry = ecosystemRegistry(schemaRegistryUrl);
    const schemaId = await registerProducerSchema(producerRegistry, `${topics.posts}-value`, forumPostSchema);
    // A schema without the body Arbiter needs, under a subject of its own (the registry holds it; Arbiter cannot read it as a Post).
    const noBody = { ...forumPostSchema, name: "ForumReaction", fields: forumPostSchema.fields.filter((f) => f.name !== "body") };
    const noBodyId = await registerProducerSchema(producerRegistry, `${ns.topic("reactions")}-value`, noBody);
    const framed = async (id: string, body: string | null): Promise<Message> => ({
      key: id,
      value: await producerRegistry.encode(schemaId, forumPost(id, body)),
    });

    const good = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => framed(`good-${i}`, `good game ${i}, well played everyone`)),
      framed("cheat-1", "selling a private aimbot, dm me"),
    ]);
    const poison: Record<string, { message: Message; reason: RegExp }> = {
      "bad-unknown-id": {
        message: { key: "bad-unknown-id", value: confluentFrame(2_000_000_000, Buffer.from([2, 0x61])) },
        reason: /UNKNOWN_SCHEMA_ID.*no schema with id 2000000000/,
      },
      "bad-no-body": {
        message: { key: "bad-no-body", value: await producerRegistry.encode(noBodyId, { ...forumPost("bad-no-body", null), body: undefined }) },
        reason: new RegExp(`INCOMPATIBLE_SCHEMA.*writer schema ${noBodyId} .*no field "body" for Post\\.text.*input\\.fieldMap\\.text`),
      },
      "bad-not-framed": {
        message: { key: "bad-not-framed", value: Buffer.from(JSON.stringify({ id: "bad-not-framed", text: "hi" })) },
        reason: /MALFORMED.*not in the Confluent wire format/,
      },
      "bad-null-body": { message: await framed("bad-null-body", null), reason: /INVALID_RECORD.*has no text/ },
    };
    const producer = under.kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.posts, acks: -1, messages: [...good, ...Object.values(poison).map((p) => p.message)].sort(() => Math.random() - 0.5) });
    await producer.disconnect();

    // Every post is decided, the bad ones unread (their keys name them): REVIEW, input.onUnreadable.
    const decisions = await readDecisionsFor(under.kafka, topics.decisions, good.length + Object.keys(poison).length, {
      groupId: ns.group("check-decisions"),
      timeoutMs: 150_000,
    });
    expect([...new Set(decisions.map((d) => d.postId))].sort()).toEqual([...good.map((m) => String(m.key)), ...Object.keys(poison)].sort());
    for (const d of decisions) if (d.postId.startsWith("bad-")) expect(d.unreadable).toMatch(poison[d.postId]!.reason);
    const benign = decisions.find((d) => d.postId === "good-3")!;
    // The mapped community routed the post; the body was what the prefilter read.
    expect(benign).toMatchObject({ forumId: "games", action: "ALLOW", stage: "prefilter" });
    expect(decisions.find((d) => d.postId === "cheat-1")!.stage).toBe("primary");

    const letters = await readRecords(under.kafka, topics.dlq, "deadLetter", {
      groupId: ns.group("check-dlq"),
      until: (seen) => seen.length >= Object.keys(poison).length,
      timeoutMs: 60_000,
    });
    const byKey = new Map(letters.map((l) => [l.key?.toString(), l]));
    expect([...byKey.keys()].sort()).toEqual(Object.keys(poison).sort());
    for (const [key, { message, reason }] of Object.entries(poison)) {
      const letter = byKey.get(key)!;
      expect(`${letter.errorClass} ${letter.errorMessage}`).toMatch(reason);
      expect(letter.stage).toBe("decode");
      // The original bytes are kept: nothing is lost.
      expect(Buffer.compare(letter.value!, message.value as Buffer)).toBe(0);
    }
  }, 240_000);
});
