import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { runCli } from "../../support/cli.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { moderatorsSetting, testSessionSecret } from "../../support/console-session.js";
import { kafkaBrokers, modelPath, redisUrl, repoRoot, testModels } from "../../support/env.js";
import { eventually } from "../../support/eventually.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { testConfig } from "../../support/worker.js";

// After `arbiter policy push`, the commands that do not run the pipeline see the new version: they
// follow the registry (real Redis), not the policies folder.

jest.setTimeout(240_000);

const ns = testNamespace("stale reads");
const dir = mkdtempSync(path.join(tmpdir(), "arbiter-stale-"));
const fixtures = path.join(repoRoot, "test/fixtures/policies");
// A policy the folder lacks (the shipped spam policy, which passes `policy push`), in two versions.
const v1Text = readFileSync(path.join(repoRoot, "config/policies/spam.md"), "utf8");
const v2Text = v1Text.replace("escalation_threshold: 0.6", "escalation_threshold: 0.7");
const v1 = parsePolicy(v1Text, "spam.md").version;
const v2 = parsePolicy(v2Text, "spam.md").version;
const redis = testRedis();
let consoleWorker: RunningConsole | undefined;

afterAll(async () => {
  await consoleWorker?.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test("doctor and the console follow the registry: a pushed version is what they show", async () => {
  expect(v2).not.toBe(v1);
  await redis.connect();
  const config = testConfig(ns, {
    console: { groupId: ns.group("console"), port: 0, sessionSecret: testSessionSecret, moderators: await moderatorsSetting() },
  });
  const { topics } = config.kafka;
  await createTopics(testKafka(ns.id), [topics.tickets, topics.audit, topics.decisions, topics.appeals, topics.dlq]);
  const env = {
    ARBITER_CONFIG_JSON: JSON.stringify({
      kafka: { brokers: kafkaBrokers, topics },
      redis: { url: redisUrl, keyPrefix: ns.redisPrefix },
      policies: { dir: fixtures },
    }),
    ARBITER_MODEL: modelPath(testModels.gemma),
    // push checks each role's context plan: both roles' models must be here, or it warns.
    ARBITER_ESCALATION_MODEL: modelPath(testModels.gemma),
  };
  const doctorPolicies = async () => {
    const run = await runCli(["doctor", "--role", "primary", "--json"], env);
    return (JSON.parse(run.stdout) as { name: string; detail: string }[]).find((c) => c.name === "policies")!.detail;
  };

  // The console seeds the empty registry from the folder at its start, as a worker does.
  const { logger, lines } = capturedLogger();
  consoleWorker = await startConsoleWorker(config, logger);
  const started = lines.find((l) => l.msg === "console started");
  expect(started).toMatchObject({ policySource: "registry" });
  const before = await doctorPolicies();
  expect(before).toContain(`in the registry (${ns.redisPrefix}policy:): `);
  expect(before).not.toMatch(/[ ,:]spam@/);

  const file = path.join(dir, "spam.md");
  const push = async (text: string) => {
    writeFileSync(file, text);
    const run = await runCli(["policy", "push", file], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  };
  await push(v1Text);
  expect(await doctorPolicies()).toContain(`spam@${v1}`);
  const switched = await eventually(() => lines.find((l) => l.msg === "console: policies switched"), 20_000, "the console to switch");
  expect(switched.policySet).not.toBe(started!.policySet);

  await push(v2Text);
  const after = await doctorPolicies();
  expect(after).toContain(`spam@${v2}`);
  expect(after).not.toContain(v1);
  await eventually(() => (lines.filter((l) => l.msg === "console: policies switched").length >= 2 ? true : undefined), 20_000, "the console to switch again");
});
