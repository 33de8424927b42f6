import type { Audit, Ticket } from "@arbiter/shared/codec/records.js";
import type { Kafka } from "kafkajs";
import { ModeratorLog } from "@arbiter/shared/console/moderator-log.js";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { ConsoleSession, moderatorsSetting, testModerators, testSessionSecret } from "../../support/console-session.js";
import { ticketFor, verdict } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { produceRecords, readRecords, testConfig, testLogger } from "../../support/worker.js";

const ns = testNamespace("console http");
const redis = testRedis();
let kafka: Kafka;
let consoleWorker: RunningConsole;
let config: ReturnType<typeof testConfig>;

const hostileText = `<script>alert("pwned")</script> selling a private aimbot <img src=x onerror=alert(1)> \u202Egnp.exe & "quotes"`;
const cheats = (extra = {}) => [
  verdict("test-cheats", "violate", { ruleIds: ["CH1"], confidence: 0.61, rationale: "Offers an <b>aimbot</b>.", escalate: true, ...extra }),
];
const hostile = ticketFor("hostile-1", { text: hostileText, verdicts: cheats(), reasoning: "The post <i>sells</i> a cheat: CH1." });
const spamOld = ticketFor("spam-old", {
  text: "buy followers cheap",
  forumId: "market",
  verdicts: [verdict("test-spam", "violate", { ruleIds: ["SP2"], escalate: true })],
  createdAt: Date.now() - 30 * 3_600_000,
});
const audit: Audit = {
  decisionId: "primary:set-1:hostile-1:abc",
  postId: "hostile-1",
  stage: "primary",
  modelId: "gpt-oss-safeguard-20b",
  entries: [
    {
      policyId: "test-cheats",
      policyVersion: "v1",
      reasoning: 'Primary tier thinks </div><script>alert("x")</script> it sells cheats.',
      promptTokens: 10,
      generatedTokens: 5,
      latencyMs: 1,
      error: null,
      decision: "violate",
      ruleIds: ["CH1"],
      confidence: 0.9,
    },
  ],
  createdAt: Date.now() - 1000,
  sampled: false,
};

beforeAll(async () => {
  await redis.connect();
  kafka = testKafka(ns.id);
  config = testConfig(ns, { console: { groupId: ns.group("console"), port: 0, sessionSecret: testSessionSecret, moderators: await moderatorsSetting() } });
  const { topics } = config.kafka;
  await createTopics(kafka, [topics.tickets, topics.audit, topics.decisions, topics.appeals, topics.dlq]);
  await produceRecords(kafka, topics.audit, "audit", [audit], (a) => a.postId);
  await produceRecords(kafka, topics.tickets, "ticket", [hostile, spamOld, hostile], (t: Ticket) => t.post.id);
  consoleWorker = await startConsoleWorker(config, await testLogger());
  const session = new ConsoleSession(consoleWorker.url);
  await session.login("alice", testModerators.alice);
  const takenIn = async () =>
    JSON.parse((await session.get("/api/tickets")).text).length === 2 && (await redis.hlen(`${ns.redisPrefix}console:audit:hostile-1`)) === 1;
  await eventually(async () => ((await takenIn()) ? true : undefined), 30_000, "the console to take in the tickets and the audit record");
}, 90_000);

afterAll(async () => {
  await consoleWorker?.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

const ticketPath = (t: Ticket) => `/tickets/${encodeURIComponent(t.ticketId)}`;

test("without a login: pages redirect to the login, the API and every answer are 401, and no post text is sent", async () => {
  const anonymous = new ConsoleSession(consoleWorker.url);
  expect((await anonymous.get("/")).location).toBe("/tickets");
  for (const path of ["/tickets", ticketPath(hostile)]) {
    const res = await anonymous.get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 302 });
    expect(res.location).toMatch(/\/login/);
    expect(res.text).not.toContain("aimbot");
  }
  for (const path of ["/api/tickets", `/api${ticketPath(hostile)}`]) {
    const res = await anonymous.get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    expect(res.text).not.toContain("aimbot");
    expect(res.text).not.toContain("hostile-1");
  }
  await anonymous.get("/login");
  const answer = await anonymous.post(`${ticketPath(hostile)}/overturn`);
  expect(answer.status).toBe(401);
  const login = await anonymous.get("/login");
  expect(login.status).toBe(200);
  expect(login.text).not.toContain("aimbot");
  expect(login.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
});

test("the console's data in Redis is bounded: every key but the queue and the log expires, and the log is trimmed", async () => {
  const keys = await redis.keys(`${ns.redisPrefix}console:*`);
  expect(keys.some((k) => k.includes(":ticket:"))).toBe(true);
  const unbounded = [];
  for (const key of keys) if ((await redis.ttl(key)) < 0 && !/console:(open|log)$/.test(key)) unbounded.push(key);
  expect(unbounded).toEqual([]);
  const ticketTtl = await redis.ttl(`${ns.redisPrefix}console:ticket:${hostile.ticketId}`);
  expect(ticketTtl).toBeGreaterThan(29 * 86_400);
  expect(ticketTtl).toBeLessThanOrEqual(30 * 86_400);
  const log = new ModeratorLog(redis, `${ns.redisPrefix}trim-`, 1000);
  await Promise.all(Array.from({ length: 1500 }, (_, i) => log.append({ moderator: "alice", action: "login", at: i })));
  const length = await redis.xlen(`${ns.redisPrefix}trim-console:log`);
  expect(length).toBeGreaterThanOrEqual(1000);
  expect(length).toBeLessThan(1200);
});

test("a moderator sees and answers only their forums' tickets; another forum's ticket is as good as absent", async () => {
  const carol = new ConsoleSession(consoleWorker.url);
  await carol.login("carol", testModerators.carol);
  expect(JSON.parse((await carol.get("/api/tickets")).text)).toEqual([]);
  expect((await carol.get("/tickets")).text).not.toContain("buy followers");
  expect((await carol.get(ticketPath(spamOld))).status).toBe(404);
  expect((await carol.get(`/api${ticketPath(spamOld)}`)).status).toBe(404);
  await carol.get("/tickets");
  const answer = await carol.post(`${ticketPath(spamOld)}/confirm`);
  expect(answer.status).toBe(404);
  const bob = new ConsoleSession(consoleWorker.url);
  await bob.login("bob", testModerators.bob);
  expect(JSON.parse((await bob.get(`/api${ticketPath(spamOld)}`)).text).closing).toBeNull();
});

test("a wrong password is refused and logged; a login without the CSRF token is refused", async () => {
  const session = new ConsoleSession(consoleWorker.url);
  await session.get("/login");
  const wrong = await session.post("/login", { name: "alice", password: "not it" });
  expect(wrong.status).toBe(401);
  expect(wrong.text).toContain("Wrong name or password.");
  const noToken = await session.request("POST", "/login", { name: "alice", password: testModerators.alice });
  expect(noToken.status).toBe(403);
  const log = await redis.xrevrange(`${ns.redisPrefix}console:log`, "+", "-");
  expect(log.some(([, fields]) => fields.includes("login-refused") && fields.includes("alice"))).toBe(true);
  // The password never reaches the log.
  expect(JSON.stringify(log)).not.toContain("not it");
});

test("the queue lists open tickets, filtered by policy, forum and age", async () => {
  const session = new ConsoleSession(consoleWorker.url);
  await session.login("bob", testModerators.bob);
  const ids = async (query: string) => (JSON.parse((await session.get(`/api/tickets${query}`)).text) as { postId: string }[]).map((t) => t.postId).sort();
  expect(await ids("")).toEqual(["hostile-1", "spam-old"]);
  expect(await ids("?policy=test-cheats")).toEqual(["hostile-1"]);
  expect(await ids("?forum=market")).toEqual(["spam-old"]);
  expect(await ids("?olderThanHours=24")).toEqual(["spam-old"]);
  expect(await ids("?newerThanHours=1")).toEqual(["hostile-1"]);
  const page = await session.get("/tickets?policy=test-spam");
  expect(page.status).toBe(200);
  expect(page.text).toContain("buy followers cheap");
  expect(page.text).not.toContain("aimbot");
});

test("the ticket page escapes the post and the reasoning, marks the prefilter's hits, shows rules with their text and both tiers' reasoning", async () => {
  const session = new ConsoleSession(consoleWorker.url);
  await session.login("bob", testModerators.bob);
  const page = await session.get(ticketPath(hostile));
  expect(page.status).toBe(200);
  expect(page.text).not.toMatch(/<script>alert|<img src=x|<b>aimbot|<i>sells/);
  expect(page.text).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
  expect(page.text).toContain("⟨U+202E⟩gnp.exe &amp; &quot;quotes&quot;");
  expect(page.text).toMatch(/<mark title="test-cheats: aimbot">aimbot<\/mark>/);
  expect(page.text).toContain("CH1: selling, sharing or linking cheat software (aimbots, wallhacks).");
  expect(page.text).toContain("Offers an &lt;b&gt;aimbot&lt;/b&gt;.");
  expect(page.text).toContain("Primary tier thinks &lt;/div&gt;&lt;script&gt;");
  expect(page.text).toContain("The post &lt;i&gt;sells&lt;/i&gt; a cheat: CH1.");
  expect(page.text).toContain("61.0 %");
  expect(page.headers.get("cache-control")).toBe("no-store");
});

test("an answer without the CSRF token is refused and changes nothing; overturn publishes a human decision, closes the ticket and is logged", async () => {
  const session = new ConsoleSession(consoleWorker.url);
  await session.login("alice", testModerators.alice);
  await session.get(ticketPath(hostile));
  const forged = await session.request("POST", `${ticketPath(hostile)}/overturn`, { note: "forged" });
  expect(forged.status).toBe(403);
  const wrongToken = await session.request("POST", `${ticketPath(hostile)}/overturn`, { _csrf: "not-a-token", note: "forged" });
  expect(wrongToken.status).toBe(403);
  expect(JSON.parse((await session.get(`/api${ticketPath(hostile)}`)).text).closing).toBeNull();

  await session.get(ticketPath(hostile));
  const answered = await session.post(`${ticketPath(hostile)}/overturn`, { note: "It is a parody of cheat ads." });
  expect(answered.status).toBe(303);
  expect(answered.location).toBe(ticketPath(spamOld));
  const next = await session.get(answered.location!);
  expect(next.text).toContain("Overturned: the post will be shown (post hostile-1).");

  const decisions = await readRecords(kafka, config.kafka.topics.decisions, "decision", {
    groupId: ns.group("check-decisions"),
    until: (seen) => seen.length >= 1,
    timeoutMs: 20_000,
  });
  expect(decisions).toHaveLength(1);
  expect(decisions[0]).toMatchObject({ postId: "hostile-1", stage: "human", action: "ALLOW", ticketId: hostile.ticketId, modelId: null, decidedBy: "alice" });
  expect(decisions[0]!.verdicts).toEqual([
    expect.objectContaining({ policyId: "test-cheats", decision: "allow", source: "human", escalate: false, confidence: 1 }),
  ]);
  expect(JSON.stringify(decisions[0])).not.toContain("parody");

  await session.get(ticketPath(hostile));
  const again = await session.post(`${ticketPath(hostile)}/confirm`);
  expect(again.status).toBe(303);
  const closed = await session.get(ticketPath(hostile));
  expect(closed.text).toContain("Already closed: overturn by alice.");
  expect(closed.text).toMatch(/data-closed>Closed: <strong>overturn<\/strong> by alice/);
  expect(JSON.parse((await session.get("/api/tickets")).text).map((t: { postId: string }) => t.postId)).toEqual(["spam-old"]);

  const log = (await redis.xrange(`${ns.redisPrefix}console:log`, "-", "+")).map(([, fields]) =>
    Object.fromEntries(fields.reduce<[string, string][]>((pairs, v, i, all) => (i % 2 === 0 ? [...pairs, [v, all[i + 1]!]] : pairs), [])),
  );
  expect(log).toContainEqual(
    expect.objectContaining({
      moderator: "alice",
      action: "overturn",
      ticketId: hostile.ticketId,
      postId: "hostile-1",
      recordId: decisions[0]!.decisionId,
      note: "It is a parody of cheat ads.",
    }),
  );

  await session.post("/logout");
  expect((await session.get("/tickets")).status).toBe(302);
}, 60_000);
