import type { KafkaMessage } from "kafkajs";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { createWorkerCodecs } from "@arbiter/shared/codec/codecs.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { ecosystemRegistry, subjects } from "../../support/confluent.js";
import { decisionFor } from "../../support/decisions.js";
import { schemaRegistryUrl } from "../../support/env.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { collect, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { testConfig, testLogger } from "../../support/worker.js";

// The sinks follow output.format: they read what the classifier wrote (framed) and frame what they write.
describe("the auto-hide sink with output.format confluent-avro", () => {
  const ns = testNamespace("confluent sinks");
  const forum = new FakeForum();
  let sink: SinkRuntime | undefined;

  afterAll(async () => {
    await sink?.stop();
    await forum.stop();
  });

  test("framed decisions are acted on; its dead letters are framed and registered, read by a consumer that knows only the registry URL", async () => {
    await forum.start();
    const config = testConfig(ns, {
      output: { format: "confluent-avro" },
      schemaRegistry: { url: schemaRegistryUrl },
      autoHide: { groupId: ns.group("auto-hide"), forum: { ...forum.forumCalls, timeoutMs: 400 }, retry: { initialDelayMs: 50, maxDelayMs: 200 } },
    });
    const topics = config.kafka.topics;
    // Started first: it creates its topics as configured and registers the schemas it writes.
    sink = await startAutoHideWorker(config, await testLogger());
    const registered = await subjects(schemaRegistryUrl);
    expect(registered).toContain(`${topics.dlq}-value`);

    // The classifier's side: the same codecs it builds (ids looked up, the schemas being registered already).
    const writer = await createWorkerCodecs(config, silentLogger);
    writer.close();
    const kafka = testKafka(ns.id);
    const producer = kafka.producer();
    await producer.connect();
    forum.failNext(/\/posts\/c-gone\/hide$/, [404], JSON.stringify({ error: "no such post" }));
    const framed = [decisionFor("c-1", "HIDE", "primary"), decisionFor("c-gone", "HIDE", "primary")].map((d) => ({
      key: d.postId,
      ...writer.codecs.decision.encode(d),
    }));
    expect(framed[0]!.value[0]).toBe(0);
    await producer.send({ topic: topics.decisions, acks: -1, messages: framed });
    await producer.disconnect();

    await eventually(() => forum.isHidden("c-1") || undefined, 30_000, "c-1 hidden");
    const registry = ecosystemRegistry(schemaRegistryUrl);
    const [letter] = await Promise.all(
      (await collect(kafka, topics.dlq, { count: 1, groupId: ns.group("dlq"), timeoutMs: 30_000 })).map(
        ({ message }: { message: KafkaMessage }) => registry.decode(message.value!) as Promise<Record<string, unknown>>,
      ),
    );
    expect(letter).toMatchObject({ topic: topics.decisions, stage: "deliver", errorClass: "HttpCallError:HTTP_404" });
    expect(forum.isHidden("c-gone")).toBe(false);
  }, 120_000);
});
