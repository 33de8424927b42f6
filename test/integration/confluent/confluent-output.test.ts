import type { KafkaMessage } from "kafkajs";
import { IncompatibleSchemaError } from "@arbiter/shared/codec/errors/incompatible-schema-error.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { startClassifierWorker } from "../../../workers/classifier/classifier-worker.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { schemaRegistryUrl } from "../../support/env.js";
import { ecosystemRegistry, registerProducerSchema, setSubjectCompatibility, subjects } from "../../support/confluent.js";
import { collect, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { codecs, post, testConfig, workersUnderTest } from "../../support/worker.js";

describe("output.format confluent-avro", () => {
  const ns = testNamespace("confluent output");
  const config = testConfig(ns, { output: { format: "confluent-avro" }, schemaRegistry: { url: schemaRegistryUrl } });
  const topics = config.kafka.topics;
  const under = workersUnderTest(ns.id, config);

  test("decisions and dead letters are read back by a plain consumer that knows only the registry URL", async () => {
    const posts = Array.from({ length: 8 }, (_, i) => post(`p-${i}`, `good game ${i}, well played`));
    const producer = under.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.posts,
      acks: -1,
      messages: [...posts.map((p) => ({ key: p.id, ...codecs.post.encode(p) })), { key: "bad", value: Buffer.from("not a post") }],
    });
    await producer.disconnect();

    // A Kafka Connect sink's view: kafkajs and the ecosystem's registry client, no Arbiter code.
    const sink = ecosystemRegistry(schemaRegistryUrl);
    const decode = async (messages: Array<{ message: KafkaMessage }>) =>
      Promise.all(messages.map(({ message }) => sink.decode(message.value!) as Promise<Record<string, unknown>>));
    const decisions = await decode(
      await collect(under.kafka, topics.decisions, { count: posts.length + 1, groupId: ns.group("sink-decisions"), timeoutMs: 90_000 }),
    );
    // The bad record is decided too, unread (its key names the post): REVIEW, input.onUnreadable.
    expect(decisions.map((d) => d.postId).sort()).toEqual([...posts.map((p) => p.id), "bad"].sort());
    expect(decisions.find((d) => d.postId === "p-0")).toMatchObject({ forumId: "games", action: "ALLOW", stage: "prefilter", verdicts: [], unreadable: null });
    expect(decisions.find((d) => d.postId === "bad")).toMatchObject({ action: "REVIEW", stage: "primary", verdicts: [] });
    const [letter] = await decode(await collect(under.kafka, topics.dlq, { count: 1, groupId: ns.group("sink-dlq"), timeoutMs: 60_000 }));
    expect(letter).toMatchObject({ topic: topics.posts, stage: "decode" });
    expect(String(letter!.errorClass)).toMatch(/DecodeError/);

    // TopicNameStrategy: every topic Arbiter writes has its <topic>-value subject.
    const registered = await subjects(schemaRegistryUrl);
    for (const topic of [topics.decisions, topics.audit, topics.escalations, topics.tickets, topics.appeals, topics.dlq])
      expect(registered).toContain(`${topic}-value`);
    // The fingerprint header stays, so Arbiter's own readers need no registry.
    const [raw] = await collect(under.kafka, topics.decisions, { count: 1, groupId: ns.group("raw"), timeoutMs: 30_000 });
    expect(codecs.decision.writer.fingerprint).toBe(raw!.message.headers!["arbiter-schema-fp"]!.toString());
  }, 180_000);
});

describe("a worker whose output schema is incompatible with its subject's latest", () => {
  test("fails at start naming the subject, and publishes nothing", async () => {
    const ns = testNamespace("confluent incompatible");
    const config = testConfig(ns, { output: { format: "confluent-avro" }, schemaRegistry: { url: schemaRegistryUrl } });
    const subject = `${config.kafka.topics.decisions}-value`;
    // Another writer got there first with a Decision of its own, and the subject checks BACKWARD compatibility.
    await registerProducerSchema(ecosystemRegistry(schemaRegistryUrl), subject, {
      type: "record",
      name: "Decision",
      namespace: "arbiter",
      fields: [{ name: "decisionId", type: "string" }],
    });
    await setSubjectCompatibility(schemaRegistryUrl, subject, "BACKWARD");
    const error = await startClassifierWorker(config, silentLogger).then(
      (worker) => worker.stop(),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IncompatibleSchemaError);
    expect((error as Error).message).toContain(`subject "${subject}"`);
    // It stopped before creating topics or publishing.
    const admin = testKafka(ns.id).admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(config.kafka.topics.decisions);
    await admin.disconnect();
  }, 60_000);

  test("with autoRegister off, an output schema nobody registered stops the worker naming the setting", async () => {
    const ns = testNamespace("confluent unregistered");
    const config = testConfig(ns, { output: { format: "confluent-avro" }, schemaRegistry: { url: schemaRegistryUrl, autoRegister: false } });
    const error = await startClassifierWorker(config, silentLogger).then(
      (worker) => worker.stop(),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/schemaRegistry\.autoRegister: is false and Arbiter's decision schema .* is not registered under subject/);
  }, 60_000);
});
