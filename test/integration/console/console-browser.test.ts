import type { Audit, Ticket } from "@arbiter/shared/codec/records.js";
import { showControls } from "@arbiter/shared/html/safe-html.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { startTicketsWorker } from "../../../workers/tickets/tickets-worker.js";
import { launchBrowser } from "../../support/browser.js";
import { moderatorsSetting, testModerators, testSessionSecret } from "../../support/console-session.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { harmonyEscalationEngine, post, producePosts, readRecords, testConfig, testLogger, workersUnderTest } from "../../support/worker.js";

// The whole loop, in a real browser: a post → the primary tier (Gemma) says the cheats policy is
// violated, surely: HIDE → the forum (after two 500s) hides it once; the spam policy's verdict names a rule that
// escalates → the escalation tier (the harmony model, which writes reasoning) is still unsure →
// a ticket → the ticket system's webhook and the console → a moderator logs in, opens the
// ticket, reads the reasoning, overturns → a decision at stage human → the forum unhides it.
const ns = testNamespace("console browser");
const forum = new FakeForum();
const redis = testRedis();
let moderators = "";
const configWith = (overrides: Parameters<typeof testConfig>[1] = {}) =>
  testConfig(ns, {
    escalationEngine: harmonyEscalationEngine(),
    autoHide: { groupId: ns.group("auto-hide"), forum: forum.forumCalls, retry: { initialDelayMs: 50, maxDelayMs: 500 } },
    tickets: { groupId: ns.group("tickets"), webhook: { url: `${forum.baseUrl}/tickets` } },
    console: { groupId: ns.group("console"), port: 0, sessionSecret: testSessionSecret, moderators },
    ...overrides,
  });
const under = workersUnderTest(
  ns.id,
  testConfig(ns, { cache: { enabled: false } }),
  testConfig(ns, { role: "escalation", escalationEngine: harmonyEscalationEngine() }),
);
const sinks: SinkRuntime[] = [];
let consoleWorker: RunningConsole;

beforeAll(async () => {
  await forum.start();
  await redis.connect();
  moderators = await moderatorsSetting();
  const logger = await testLogger();
  sinks.push(await startAutoHideWorker(configWith(), logger), await startTicketsWorker(configWith(), logger));
  consoleWorker = await startConsoleWorker(configWith(), logger);
}, 90_000);

afterAll(async () => {
  await consoleWorker?.stop();
  await Promise.all(sinks.map((s) => s.stop()));
  await forum.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

test("a moderator logs in, opens the ticket, reads the reasoning and overturns; the post the model hid is shown again", async () => {
  const config = configWith();
  const { topics } = config.kafka;
  const suspect = post("loop-1", "buy followers and a private aimbot here", "games");
  // The forum stumbles on the hide: the post is still hidden exactly once.
  forum.failNext(/\/posts\/loop-1\/hide$/, [500, 500]);
  await producePosts(under.kafka, topics.posts, [suspect]);

  await eventually(() => forum.isHidden("loop-1") || undefined, 120_000, "loop-1 hidden");
  const tickets = await readRecords(under.kafka, topics.tickets, "ticket", {
    groupId: ns.group("check-tickets"),
    until: (seen) => seen.length >= 1,
    timeoutMs: 120_000,
    settleMs: 0,
  });
  expect(tickets).toHaveLength(1);
  const ticket: Ticket = tickets[0]!;
  const audits = await readRecords(under.kafka, topics.audit, "audit", {
    groupId: ns.group("check-audit"),
    until: (seen) => seen.some((a) => a.decisionId === ticket.decisionId),
    timeoutMs: 30_000,
    settleMs: 0,
  });
  const escalationAudit: Audit = audits.find((a) => a.decisionId === ticket.decisionId)!;
  const reasoning = escalationAudit.entries.find((e) => e.reasoning !== "")!.reasoning;
  expect(reasoning.length).toBeGreaterThan(0);
  await eventually(() => (forum.tickets.length === 1 ? true : undefined), 30_000, "the ticket on the webhook");
  expect(forum.tickets[0]).toMatchObject({
    ticketId: ticket.ticketId,
    post: { id: "loop-1", text: suspect.text },
    reasoning: [expect.objectContaining({ policyId: "test-spam", reasoning })],
  });

  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${consoleWorker.url}/tickets`);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.content()).not.toContain("aimbot");
    await page.fill('input[name="name"]', "alice");
    await page.fill('input[name="password"]', testModerators.alice);
    await Promise.all([page.waitForURL(/\/tickets$/), page.click('button[type="submit"]')]);

    // The console may take in the ticket a moment after the webhook did.
    const row = page.locator("[data-row]", { hasText: "aimbot" });
    await eventually(async () => (await page.reload(), (await row.count()) === 1 ? true : undefined), 30_000, "the ticket in the console's queue");
    await page.keyboard.press("j");
    await Promise.all([page.waitForURL(/\/tickets\/.+/), page.keyboard.press("o")]);
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/tickets/${ticket.ticketId}`);

    expect(await page.locator("[data-post]").textContent()).toBe(suspect.text);
    expect(await page.locator("[data-post] mark").allTextContents()).toEqual(["buy followers", "aimbot"]);
    expect(await page.locator('[data-stage="escalation"] .reasoning').first().textContent()).toBe(showControls(reasoning));
    expect(await page.locator("body").textContent()).toContain("SP4: scams that ask for money or credentials");

    await page.keyboard.press("n");
    await page.keyboard.type("Followers are allowed on this forum; the aimbot line is a meme.");
    await page.keyboard.press("Escape");
    await Promise.all([page.waitForURL(/\/tickets$/), page.keyboard.press("x")]);
    expect(await page.locator('[role="status"]').textContent()).toContain("Overturned: the post will be shown (post loop-1).");
  } finally {
    await browser.close();
  }

  await eventually(() => !forum.isHidden("loop-1") || undefined, 30_000, "loop-1 shown again");
  expect(forum.applied.filter((a) => a.postId === "loop-1").map((a) => a.call)).toEqual(["hide", "unhide"]);
  expect(forum.requestsTo(/\/posts\/loop-1\/hide$/)).toHaveLength(3);
  const decisions = await readRecords(under.kafka, topics.decisions, "decision", {
    groupId: ns.group("check-decisions"),
    until: (seen) => seen.some((d) => d.stage === "human"),
    timeoutMs: 20_000,
    settleMs: 0,
  });
  expect(decisions.map((d) => [d.stage, d.action])).toEqual([
    ["primary", "HIDE"],
    ["escalation", "HIDE"],
    ["human", "ALLOW"],
  ]);
  const log = await redis.xrange(`${ns.redisPrefix}console:log`, "-", "+");
  expect(log.map(([, fields]) => fields[fields.indexOf("action") + 1])).toEqual(["login", "overturn"]);
}, 300_000);
