import { Redis } from "ioredis";
import type { Appeal, Decision } from "@arbiter/shared/codec/records.js";
import { PostRecords } from "@arbiter/shared/pipeline/post-records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { decisionFor, verdict } from "../../support/decisions.js";
import { redisUrl } from "../../support/env.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { testNamespace } from "../../support/namespace.js";
import { harmonyEscalationEngine, post, produceRecords, readRecords, testConfig, testLogger, workersUnderTest } from "../../support/worker.js";

// The escalation role serves appeals: it decides the post again, from what Arbiter recorded of it
// when it acted (here written as the primary role would), under the policies that acted and every
// policy of its forum (or the policies the appeal names) at high effort, and publishes stage appeal. The tiny harmony model allows this post, so the
// appeal overturns the model's hide and the auto-hide sink unhides it — unless a moderator hid it.
const ns = testNamespace("appeals");
const escalationConfig = testConfig(ns, { role: "escalation", escalationEngine: harmonyEscalationEngine() });
const under = workersUnderTest(ns.id, escalationConfig);
const forum = new FakeForum();
let sink: SinkRuntime;

beforeAll(async () => {
  await forum.start();
  sink = await startAutoHideWorker(
    testConfig(ns, { autoHide: { groupId: ns.group("auto-hide"), forum: forum.forumCalls, retry: { initialDelayMs: 50, maxDelayMs: 200 } } }),
    await testLogger(),
  );
}, 60_000);
afterAll(async () => {
  await sink?.stop();
  await forum.stop();
});

const appealOf = (postId: string, appealId: string, policyIds: string[]): Appeal => ({
  appealId,
  post: post(postId, "selling a private aimbot, message me", "games"),
  policyIds,
  requestedBy: `user:author-${postId}`,
  note: "it was a joke",
  requestedAt: Date.now(),
});

test("an appeal is decided again at the escalation tier (stage appeal, high effort) and an overturn unhides the post; a moderator's hide stands", async () => {
  const { topics } = escalationConfig.kafka;
  const redis = new Redis(redisUrl);
  const records = new PostRecords(redis, escalationConfig.redis.keyPrefix, 600);
  for (const id of ["ap-1", "ap-2", "ap-3"])
    await records.record(appealOf(id, "", []).post, decisionFor(id, "HIDE", "primary", { verdicts: [verdict("test-cheats", "violate")] }));
  redis.disconnect();
  await produceRecords(
    under.kafka,
    topics.decisions,
    "decision",
    [decisionFor("ap-1", "HIDE", "primary"), decisionFor("ap-2", "HIDE", "human", { requestId: "t9:confirm" })],
    (d) => d.postId,
  );
  await eventually(() => (forum.isHidden("ap-1") && forum.isHidden("ap-2")) || undefined, 20_000, "ap-1 and ap-2 hidden");

  await produceRecords(
    under.kafka,
    topics.appeals,
    "appeal",
    [appealOf("ap-1", "appeal-1", ["test-cheats"]), appealOf("ap-2", "appeal-2", ["test-cheats"]), appealOf("ap-3", "appeal-3", [])],
    (a) => a.post.id,
  );
  const decisions = await readRecords(under.kafka, topics.decisions, "decision", {
    groupId: ns.group("check-decisions"),
    until: (seen) => seen.filter((d) => d.stage === "appeal").length >= 3,
    timeoutMs: 120_000,
  });
  const appeals = new Map(decisions.filter((d) => d.stage === "appeal").map((d): [string, Decision] => [d.postId, d]));
  expect(appeals.get("ap-1")).toMatchObject({ appealId: "appeal-1", effort: "high", modelId: "harmony-tiny", action: "ALLOW" });
  expect(appeals.get("ap-1")!.verdicts.map((v) => v.policyId)).toEqual(["test-cheats"]);
  expect(appeals.get("ap-2")).toMatchObject({ appealId: "appeal-2", action: "ALLOW" });
  // No policy named: every policy of the post's forum is asked again.
  expect(
    appeals
      .get("ap-3")!
      .verdicts.map((v) => v.policyId)
      .sort(),
  ).toEqual(["test-cheats", "test-spam"]);

  await eventually(() => !forum.isHidden("ap-1") || undefined, 20_000, "ap-1 shown again");
  const audits = await readRecords(under.kafka, topics.audit, "audit", {
    groupId: ns.group("check-audit"),
    until: (seen) => seen.length >= 3,
    timeoutMs: 20_000,
  });
  expect(audits.map((a) => a.stage)).toEqual(["appeal", "appeal", "appeal"]);
  expect(audits.find((a) => a.postId === "ap-1")!.decisionId).toBe(appeals.get("ap-1")!.decisionId);
  // The moderator's hide is not undone by the model's appeal decision.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(forum.isHidden("ap-2")).toBe(true);
  expect(forum.count("unhide", "ap-2")).toBe(0);
}, 180_000);
