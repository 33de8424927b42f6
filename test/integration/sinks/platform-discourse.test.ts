import type { Decision } from "@arbiter/shared/codec/records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import type { Kafka } from "kafkajs";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { decisionFor } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { DiscourseFake } from "../../support/fakes/discourse-fake.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { produceRecords, testConfig, testLogger } from "../../support/worker.js";

// The auto-hide sink on real Kafka and Redis, for a forum on the Discourse platform (the API is a fake: docs/platforms/discourse.md).
const ns = testNamespace("auto-hide discourse");
const discourse = new DiscourseFake("disc-key", "arbiter");
const redis = testRedis();
let kafka: Kafka;
let sink: SinkRuntime;
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  await discourse.start();
  await redis.connect();
  kafka = testKafka(ns.id);
  process.env.ARBITER_TEST_DISCOURSE_KEY = "disc-key";
  config = testConfig(ns, {
    autoHide: {
      groupId: ns.group("auto-hide"),
      // No URL templates: every forum this sink serves is on a platform.
      forums: {
        meta: { platform: "discourse", baseUrl: discourse.baseUrl, apiKey: { env: "ARBITER_TEST_DISCOURSE_KEY" }, apiUsername: "arbiter", perSecond: 50 },
      },
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
    },
  });
  await createTopics(kafka, [config.kafka.topics.decisions, config.kafka.topics.dlq]);
  sink = await startAutoHideWorker(config, await testLogger());
}, 60_000);

afterAll(async () => {
  await sink?.stop();
  await discourse.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
  delete process.env.ARBITER_TEST_DISCOURSE_KEY;
});

const publish = (decisions: Decision[]) => produceRecords(kafka, config.kafka.topics.decisions, "decision", decisions, (d) => d.postId);

test("a model's HIDE flags the Discourse post (after a 429); a moderator's overturn in the console unhides it", async () => {
  discourse.addPost(4242);
  discourse.answerNext("POST", /^\/post_actions$/, DiscourseFake.rateLimit(0, 0));
  await publish([decisionFor("4242", "HIDE", "primary", { forumId: "meta" })]);
  await eventually(() => discourse.isHidden(4242) || undefined, 20_000, "post 4242 hidden on Discourse");
  const flags = discourse.requestsTo("POST", /^\/post_actions$/);
  expect(flags).toHaveLength(2);
  expect(flags[1]!.body).toEqual({ id: 4242, post_action_type_id: 4, take_action: "true" });
  expect(flags[1]!.headers["api-key"]).toBe("disc-key");

  // What the console publishes when a moderator overturns the hide.
  await publish([decisionFor("4242", "ALLOW", "human", { forumId: "meta", requestId: "t-4242:overturn" })]);
  await eventually(
    () => (!discourse.isHidden(4242) && discourse.requestsTo("PUT", /^\/posts\/4242\/unhide$/).length === 1) || undefined,
    20_000,
    "post 4242 unhidden",
  );
  expect(discourse.requestsTo("PUT", /^\/posts\/4242\/unhide$/)[0]!.headers["api-username"]).toBe("arbiter");
}, 60_000);
