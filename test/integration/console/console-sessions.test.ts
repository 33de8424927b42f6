import type { Kafka } from "kafkajs";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { hashPassword } from "@arbiter/shared/console/password-hash.js";
import { ConsoleSession, moderatorsSetting, testModerators, testSessionSecret } from "../../support/console-session.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { testConfig, testLogger } from "../../support/worker.js";

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
