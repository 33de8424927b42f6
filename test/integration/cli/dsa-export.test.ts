import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { runCli } from "../../support/cli.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";
import { FakeTransparencyDatabase } from "../../support/fakes/dsa-transparency-fake.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { produceRecords, testConfig } from "../../support/worker.js";

jest.setTimeout(120_000);

const ns = testNamespace("dsa export");
const dir = mkdtempSync(path.join(tmpdir(), "arbiter-dsa-"));
writeFileSync(
  path.join(dir, "cheats.md"),
  `---
id: cheats
title: Cheats and exploits
keywords: [aimbot]
rules: [CH1, CH2]
dsa:
  category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
  ground: incompatible
  tos_url: https://forum.example/terms#cheats
---
Decide whether the post sells cheats.
`,
);
const config = testConfig(ns, { policies: { dir } });
const topics = config.kafka.topics;
const env = { ARBITER_CONFIG_JSON: JSON.stringify(config), DSA_API_TOKEN: "test-token" };
const fake = new FakeTransparencyDatabase("test-token");
let kafka: Kafka;

const RATIONALE = "RATIONALE-MARKER sells an aimbot";
const hide = (id: string, stage: Decision["stage"] = "primary"): Decision =>
  decisionFor(id, "HIDE", stage, { verdicts: [verdict("cheats", "violate", { ruleIds: ["CH2"], rationale: RATIONALE })] });
const ticket = ticketFor("p-human", { verdicts: [verdict("cheats", "violate", { escalate: true })], text: "POST-TEXT-MARKER" });
const product: Decision[] = [
  hide("p-1"),
  hide("p-2", "escalation"),
  decisionFor("p-3", "ALLOW", "primary"),
  { ...hide("p-human", "human"), ticketId: ticket.ticketId, modelId: null },
];

beforeAll(async () => {
  kafka = testKafka(ns.id);
  await createTopics(kafka, [topics.decisions, topics.tickets, topics.appeals, topics.shadow]);
  await produceRecords(kafka, topics.tickets, "ticket", [ticket], (t) => t.post.id);
  // A replay decision that reached the decisions topic, and a shadow run's on its own topic: neither is ever exported.
  await produceRecords(kafka, topics.decisions, "decision", [...product, hide("p-replay", "replay")], (d) => d.postId);
  await produceRecords(kafka, topics.shadow, "decision", [{ ...hide("p-shadow"), replayId: "shadow-1" }], (d) => d.postId);
  await fake.start();
});
afterAll(async () => fake.stop());

test("dsa export writes the restrictions' statements, leaves replay and shadow out, and submits them through retries (201)", async () => {
  const out = path.join(dir, "statements.jsonl");
  // The database is down twice, then takes the batch.
  fake.failNext([503, 503]);
  const run = await runCli(["dsa", "export", "--since", "1h", "--out", out, "--submit", fake.url, "--quiet"], {
    ...env,
    ARBITER_CONFIG_JSON: JSON.stringify({ ...config, dsa: { ...config.dsa, retry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 5 } } }),
  });
  expect(run.code).toBe(0);
  const batches = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { statements: Record<string, unknown>[] });
  expect(batches).toHaveLength(1);
  const statements = batches[0]!.statements;
  expect(statements.map((s) => s.automated_decision).sort()).toEqual(["AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY"]);
  expect(JSON.stringify(statements)).not.toMatch(/p-replay|p-shadow|MARKER/);
  expect(JSON.parse(run.stderr.trim().split("\n").at(-1)!)).toMatchObject({
    decisions: 5,
    statements: 3,
    skipped: { replay: 1, "not-a-restriction": 1 },
    submitted: { batches: 1, created: 3, refused: [] },
  });
  expect(fake.statuses).toEqual([503, 503, 201]);
  expect(fake.accepted.map((s) => s.puid).sort()).toEqual(statements.map((s) => s.puid).sort());
});

test("report transparency counts the period's decisions and the overturn rate", async () => {
  const outDir = path.join(dir, "report");
  const period = `${new Date().getUTCFullYear()}-H${new Date().getUTCMonth() < 6 ? 1 : 2}`;
  const run = await runCli(["report", "transparency", "--period", period, "--json", "--out", outDir], env);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as { decisions: number; humanOverturnRate: { k: number; n: number } };
  expect(report.decisions).toBe(4);
  expect(report.humanOverturnRate).toMatchObject({ k: 0, n: 1 });
  expect(readFileSync(path.join(outDir, `transparency-${period}.html`), "utf8")).toContain("Moderators overturned 0 of the 1");
});
