import type { Kafka } from "kafkajs";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { hashPassword } from "@arbiter/shared/console/password-hash.js";
import { ConsoleSession, moderatorsSetting, testModerators, testSessionSecret } from "../../support/console-session.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { codecs, produceRecords, testConfig, testLogger } from "../../support/worker.js";
import { ticketFor, verdict } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";

// Sessions and logins over plain HTTP (fetch, no browser): what is stored before a login, where a
// login may send the moderator, when a session ends, and how password guessing is slowed.
const ns = testNamespace("console sessions");
const redis = testRedis();
let kafka: Kafka;
const consoles: RunningConsole[] = [];
const limits = { perName: 3, perAddress: 12, windowSeconds: 600 };

async function startConsole(moderators: string, extra: Record<string, unknown> = {}): Promise<RunningConsole> {
  const config = testConfig(ns, {
    console: { groupId: ns.group(`console-${consoles.length}`), port: 0, sessionSecret: testSessionSecret, moderators, loginThrottle: limits, ...extra },
  });
  const started = await startConsoleWorker(config, await testLogger());
  consoles.push(started);
  return started;
}

const sessionKeys = async () => (await redis.keys(`${ns.redisPrefix}console:session:*`)).length;

let main: RunningConsole;
beforeAll(async () => {
  await redis.connect();
  kafka = testKafka(ns.id);
  const { topics } = testConfig(ns).kafka;
  await createTopics(kafka, [topics.tickets, topics.audit, topics.decisions, topics.appeals, topics.dlq]);
  main = await startConsole(await moderatorsSetting());
}, 90_000);
afterAll(async () => {
  for (const c of consoles) await c.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

test("anonymous requests store no session: the login page's CSRF token is a signed cookie, not a session", async () => {
  const anonymous = new ConsoleSession(main.url);
  for (const path of ["/", "/login", "/tickets", "/tickets/x", "/api/tickets", "/login?next=/tickets", "/nowhere"]) await anonymous.get(path);
  const page = await anonymous.get("/login");
  expect(page.headers.getSetCookie().join("\n")).not.toMatch(/arbiter_console=/);
  expect(await sessionKeys()).toBe(0);
  // A wrong password stores none either; a login without the form's token is refused.
  expect((await anonymous.post("/login", { name: "alice", password: "wrong password" })).status).toBe(401);
  expect(await sessionKeys()).toBe(0);
  const forged = new ConsoleSession(main.url);
  expect((await forged.request("POST", "/login", { name: "alice", password: testModerators.alice, _csrf: anonymous.csrf })).status).toBe(403);
  await anonymous.login("alice", testModerators.alice);
  expect(await sessionKeys()).toBe(1);
});

test("a login's next never leaves the site: /login?next=/%09/evil.example sends the moderator to the queue", async () => {
  const session = new ConsoleSession(main.url);
  const page = await session.get("/login?next=/%09/evil.example");
  expect(page.text).toContain('name="next" value="/tickets"');
  const login = await session.post("/login", { name: "bob", password: testModerators.bob, next: "/\t/evil.example" });
  expect(login.status).toBe(303);
  expect(login.location).toBe("/tickets");
  const again = await session.get("/login?next=%2F%5Cevil.example");
  expect(again.location).toBe("/tickets");
  expect((await session.get("/login?next=/tickets%3Fpolicy%3Dtest-spam")).location).toBe("/tickets?policy=test-spam");
});

test("a session ends when its moderator is removed or given a new password, and at its absolute lifetime", async () => {
  const alice = new ConsoleSession(main.url);
  const bob = new ConsoleSession(main.url);
  await alice.login("alice", testModerators.alice);
  await bob.login("bob", testModerators.bob);
  // The console restarts with bob removed and alice's password changed: both sessions end.
  const cheap = { N: 1024, r: 8, p: 1 };
  const next = await startConsole(`alice:${await hashPassword("a new long password", cheap)}:admin`);
  for (const session of [alice, bob]) {
    const res = await session.at(next.url).get("/api/tickets");
    expect(res.status).toBe(401);
  }
  // The old console, where both are still listed, no longer knows those sessions either.
  expect((await bob.get("/api/tickets")).status).toBe(401);
  expect((await alice.get("/api/tickets")).status).toBe(401);

  // Absolute lifetime: a session whose login is older than sessionMaxHours ends, however recently it was used.
  const carol = new ConsoleSession(main.url);
  await carol.login("alice", testModerators.alice);
  expect((await carol.get("/api/tickets")).status).toBe(200);
  const key = `${ns.redisPrefix}console:session:${carol.sessionId}`;
  const stored = JSON.parse((await redis.get(key))!) as { loginAt: number; moderator: string };
  expect(stored.moderator).toBe("alice");
  stored.loginAt -= 13 * 3_600_000;
  await redis.set(key, JSON.stringify(stored), "KEEPTTL");
  expect((await carol.get("/api/tickets")).status).toBe(401);
  expect(await redis.exists(key)).toBe(0);
});

test("a claim covers the post: two moderators answering two tickets of one post at once publish one decision, logged before it", async () => {
  const { topics } = testConfig(ns).kafka;
  const first = ticketFor("twin-1", { verdicts: [verdict("test-cheats", "violate", { escalate: true })] });
  const second = ticketFor("twin-1", { verdicts: [verdict("test-cheats", "violate", { escalate: true, policyVersion: "v2" })] });
  expect(second.ticketId).not.toBe(first.ticketId);
  await produceRecords(kafka, topics.tickets, "ticket", [first, second], (t) => t.post.id);
  const alice = new ConsoleSession(main.url);
  const bob = new ConsoleSession(main.url);
  await alice.login("alice", testModerators.alice);
  await bob.login("bob", testModerators.bob);
  await eventually(async () => (JSON.parse((await alice.get("/api/tickets")).text).length === 2 ? true : undefined), 30_000, "both tickets taken in");
  await alice.get(`/tickets/${encodeURIComponent(first.ticketId)}`);
  await bob.get(`/tickets/${encodeURIComponent(second.ticketId)}`);
  const answers = await Promise.all([
    alice.post(`/tickets/${encodeURIComponent(first.ticketId)}/confirm`),
    bob.post(`/tickets/${encodeURIComponent(second.ticketId)}/overturn`),
  ]);
  expect(answers.map((a) => a.status)).toEqual([303, 303]);

  const published: { decision: Decision; timestamp: number }[] = [];
  const consumer = kafka.consumer({ groupId: ns.group("check-decisions"), readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.decisions, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) =>
      void published.push({ decision: codecs.decision.decode(message.value!, message.headers), timestamp: Number(message.timestamp) }),
  });
  await eventually(() => (published.length >= 1 ? true : undefined), 20_000, "the decision");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await consumer.disconnect();
  expect(published).toHaveLength(1);
  const [{ decision, timestamp }] = published as [{ decision: Decision; timestamp: number }];
  expect(decision).toMatchObject({ postId: "twin-1", stage: "human" });

  // Both tickets are closed: one answered, the other superseded by it; the loser was told.
  const closings = await Promise.all(
    [first, second].map(async (t) => JSON.parse((await alice.get(`/api/tickets/${encodeURIComponent(t.ticketId)}`)).text).closing),
  );
  expect(closings.map((c) => c.outcome).sort()).toEqual([decision.ticketId === first.ticketId ? "confirm" : "overturn", "superseded"].sort());
  expect(closings.every((c) => c.recordId === decision.decisionId)).toBe(true);
  const loser = decision.decidedBy === "alice" ? bob : alice;
  expect((await loser.get(answers[decision.decidedBy === "alice" ? 1 : 0]!.location!)).text).toMatch(/Another moderator answered|Already closed: superseded/);

  // The log entry for the answer was written before the decision was produced.
  const entries = await redis.xrange(`${ns.redisPrefix}console:log`, "-", "+");
  const answered = entries.filter(([, fields]) => fields.includes("twin-1"));
  expect(answered).toHaveLength(1);
  const [loggedAt] = answered[0]![0].split("-");
  expect(Number(loggedAt)).toBeLessThanOrEqual(timestamp);
  expect(answered[0]![1]).toContain(decision.decisionId);
}, 60_000);

test("cookies are Secure when the public URL is https, with no setting", async () => {
  const https = await startConsole(await moderatorsSetting(), { publicUrl: "https://console.example" });
  const page = await new ConsoleSession(https.url).get("/login");
  expect(page.headers.getSetCookie().join("\n")).toMatch(/arbiter_login=[^;]+;.*Secure/);
  const plain = await new ConsoleSession(main.url).get("/login");
  expect(plain.headers.getSetCookie().join("\n")).not.toMatch(/Secure/);
});

test("the login throttle counts per name atomically: of ten guesses at once, exactly the limit get a password check", async () => {
  const session = new ConsoleSession(main.url);
  await session.get("/login");
  const guesses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => session.request("POST", "/login", { _csrf: session.csrf, name: "alice", password: `guess ${i}` })),
  );
  const statuses = guesses.map((g) => g.status).sort();
  expect(statuses).toEqual([...Array(limits.perName).fill(401), ...Array(10 - limits.perName).fill(429)]);
  expect(guesses.find((g) => g.status === 429)!.text).toContain("Too many logins for this name");
  // The right password too waits out the window: no password is checked past the limit.
  expect((await session.post("/login", { name: "alice", password: testModerators.alice })).status).toBe(429);
  const ttl = await redis.ttl(`${ns.redisPrefix}console:login-attempts:name:${Buffer.from("alice").toString("base64url")}`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(limits.windowSeconds);
});

test("the login throttle counts per address: many names from one address are stopped too", async () => {
  const session = new ConsoleSession(main.url);
  await session.get("/login");
  const statuses: number[] = [];
  for (let i = 0; i < limits.perAddress + 2; i++) statuses.push((await session.post("/login", { name: `nobody-${i}`, password: "guess" })).status);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
  expect(statuses.slice(-1)).toEqual([429]);
  expect((await session.post("/login", { name: "bob", password: testModerators.bob })).text).toContain("Too many logins from this address");
});
