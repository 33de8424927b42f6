import { RecordStore } from "@arbiter/shared/record/record-store.js";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { launchBrowser } from "../../support/browser.js";
import { moderatorsSetting, testModerators, testSessionSecret } from "../../support/console-session.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { testConfig, testLogger } from "../../support/worker.js";

// The console's search and post-history pages over the real store of record (PostgreSQL of
// scripts/postgres.sh), in Debian's chromium. The rows are written through the store as the
// record worker writes them; their post ids carry this test's namespace.
const ns = testNamespace("record pages");
const redis = testRedis();
const word = `zq${ns.id.replace(/[^a-z0-9]/g, "").slice(-10)}`;
let consoleWorker: RunningConsole;
let store: RecordStore;

beforeAll(async () => {
  await redis.connect();
  const config = testConfig(ns, {
    console: { groupId: ns.group("console"), port: 0, sessionSecret: testSessionSecret, moderators: await moderatorsSetting() },
  });
  const logger = await testLogger();
  store = RecordStore.connect(config.record, logger);
  await store.migrate(logger);
  // A games post with a human answer (bob may read it), a cooking post (bob may not).
  const games = ticketFor(`${ns.id}-games`, {
    text: `Send a screenshot <script>alert(1)</script> for a ${word} refund`,
    reasoning: `The ${word} offer buys reviews.`,
  });
  await store.putTicket(games);
  const model = {
    ...decisionFor(games.post.id, "HIDE", "escalation", { verdicts: [verdict("fake-reviews", "violate", { rationale: "Pays for reviews." })] }),
    decidedAt: Date.now() - 2000,
  };
  await store.putDecision(model);
  await store.putAudit({
    decisionId: model.decisionId,
    postId: games.post.id,
    stage: "escalation",
    modelId: "m",
    createdAt: Date.now(),
    sampled: false,
    entries: [
      {
        policyId: "fake-reviews",
        policyVersion: "v1",
        reasoning: `The ${word} offer buys reviews.`,
        promptTokens: 1,
        generatedTokens: 1,
        latencyMs: 1,
        error: null,
        decision: "violate",
        ruleIds: [],
        confidence: 0.7,
      },
    ],
  });
  await store.putDecision({
    ...decisionFor(games.post.id, "ALLOW", "human", { requestId: "r", verdicts: [verdict("fake-reviews", "allow")] }),
    decidedBy: "bob",
    decidedAt: Date.now() - 1000,
  });
  const cooking = ticketFor(`${ns.id}-cooking`, { forumId: "cooking", text: `A ${word} recipe` });
  await store.putTicket(cooking);
  await store.putDecision(
    decisionFor(cooking.post.id, "HIDE", "primary", { forumId: "cooking", verdicts: [verdict("spam", "violate", { rationale: `${word} spam` })] }),
  );
  consoleWorker = await startConsoleWorker(config, logger);
}, 90_000);

afterAll(async () => {
  await consoleWorker?.stop();
  for (const post of [`${ns.id}-games`, `${ns.id}-cooking`]) await store?.erase({ post });
  await store?.close();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

test("a moderator searches the record, sees only their forums' posts, and reads a post's history: every stage, its reasoning, the human answer", async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${consoleWorker.url}/record/search?q=${word}`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill('input[name="name"]', "bob");
    await page.fill('input[name="password"]', testModerators.bob);
    await Promise.all([page.waitForURL(/\/record\/search/), page.click('button[type="submit"]')]);

    // bob moderates games, not cooking: two decisions of the games post, none of the cooking one.
    const hits = page.locator("[data-hit]");
    expect(await hits.count()).toBe(2);
    expect(await hits.allTextContents()).toEqual([expect.stringContaining("human"), expect.stringContaining("escalation")]);
    expect(await page.content()).not.toContain("recipe");
    // The filters narrow it: the moderator's own answers.
    await page.fill('input[name="moderator"]', "bob");
    await Promise.all([page.waitForURL(/moderator=bob/), page.click('form[role="search"] button[type="submit"]')]);
    expect(await hits.count()).toBe(1);

    await Promise.all([page.waitForURL(/\/record\/posts\//), hits.first().locator("a").click()]);
    // The post's text is text: its markup is shown, never run.
    expect(await page.locator(".post-text").textContent()).toBe(`Send a screenshot <script>alert(1)</script> for a ${word} refund`);
    expect(await page.locator("section.decision").evaluateAll((sections) => sections.map((s) => s.getAttribute("data-stage")))).toEqual([
      "escalation",
      "human",
    ]);
    expect(await page.locator('[data-stage="escalation"] .reasoning pre').textContent()).toBe(`The ${word} offer buys reviews.`);
    expect(await page.locator('[data-stage="human"] h3').textContent()).toContain("by bob");

    // Another forum's post is not there for bob.
    const response = await page.goto(`${consoleWorker.url}/record/posts/${encodeURIComponent(`${ns.id}-cooking`)}`);
    expect(response?.status()).toBe(404);
  } finally {
    await browser.close();
  }
}, 60_000);
