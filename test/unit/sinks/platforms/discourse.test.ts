import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { PlatformIdError } from "@arbiter/shared/sinks/errors/platform-id-error.js";
import { UnsupportedCallError } from "@arbiter/shared/sinks/errors/unsupported-call-error.js";
import { createPlatformAdapter } from "@arbiter/shared/sinks/platforms/adapters.js";
import { discourseForumSchema } from "@arbiter/shared/sinks/platforms/discourse-settings.js";
import { DiscourseFake } from "../../../support/fakes/discourse-fake.js";
import { adapterDeps, perform } from "../../../support/fakes/platform-deps.js";

const fake = new DiscourseFake("key-1", "arbiter-mod");
beforeAll(() => fake.start());
afterAll(() => fake.stop());

function adapter(extra: Record<string, unknown> = {}) {
  const deps = adapterDeps("disc");
  const settings = discourseForumSchema.parse({ platform: "discourse", baseUrl: `${fake.baseUrl}/`, apiKey: "key-1", apiUsername: "arbiter-mod", ...extra });
  return { adapter: createPlatformAdapter(settings, deps), deps };
}

test("hide is a staff flag that takes action, sent with the API key and user; the post is hidden", async () => {
  fake.addPost(101);
  const { adapter: discourse } = adapter();
  const exchange = await perform(discourse, "hide", "101", "disc");
  expect(exchange.status).toBe(200);
  expect(fake.isHidden(101)).toBe(true);
  const [flag] = fake.requestsTo("POST", /^\/post_actions$/);
  expect(flag!.body).toEqual({ id: 101, post_action_type_id: 4, take_action: "true" });
  expect(flag!.headers["api-key"]).toBe("key-1");
  expect(flag!.headers["api-username"]).toBe("arbiter-mod");
  expect(JSON.stringify(flag!.body)).not.toMatch(/rationale|policies/);
});

test("a repeated hide (Discourse: 403 already performed) is a success once the post reads back hidden", async () => {
  fake.addPost(102);
  const { adapter: discourse } = adapter();
  await perform(discourse, "hide", "discourse:102", "disc");
  const again = await perform(discourse, "hide", "discourse:102", "disc");
  expect(JSON.parse(again.body)).toMatchObject({ id: 102, hidden: true });
  expect(fake.requestsTo("POST", /^\/post_actions$/).filter((r) => (r.body as { id: number }).id === 102)).toHaveLength(2);
  expect(fake.requestsTo("GET", /^\/posts\/102\.json$/)).toHaveLength(1);
});

test("unhide shows the post; a hide after it, refused as a second flag while the post is shown, is a refusal, not a success", async () => {
  fake.addPost(103);
  const { adapter: discourse } = adapter();
  await perform(discourse, "hide", "103", "disc");
  await perform(discourse, "unhide", "103", "disc", "human");
  expect(fake.isHidden(103)).toBe(false);
  expect(fake.requestsTo("PUT", /^\/posts\/103\/unhide$/)).toHaveLength(1);
  const error = await perform(discourse, "hide", "103", "disc").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpCallError);
  expect((error as HttpCallError).exchange.status).toBe(403);
  expect((error as HttpCallError).retriable).toBe(false);
});

test("banner and unbanner set and clear the staff notice; with no notice text a banner is refused, naming the setting", async () => {
  fake.addPost(104);
  const { adapter: discourse } = adapter({ notice: "Talk to someone: call 116 123." });
  await perform(discourse, "banner", "104", "disc");
  expect(fake.posts.get(104)!.notice).toBe("Talk to someone: call 116 123.");
  await perform(discourse, "unbanner", "104", "disc");
  expect(fake.posts.get(104)!.notice).toBeNull();
  const refused = await perform(adapter().adapter, "banner", "104", "disc").catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(UnsupportedCallError);
  expect((refused as Error).message).toContain("autoHide.forums.disc.notice");
});

test("a 429 is waited out for the longer of Retry-After and extras.wait_seconds, then the call succeeds", async () => {
  fake.addPost(105);
  fake.answerNext("POST", /^\/post_actions$/, DiscourseFake.rateLimit(2, 7));
  const { adapter: discourse, deps } = adapter();
  await perform(discourse, "hide", "105", "disc");
  expect(fake.isHidden(105)).toBe(true);
  expect(deps.waits).toEqual([7000]);
});

test("another 4xx (an unknown post, a bad key) is a refusal for the dead-letter topic, not retried; a 5xx is retried", async () => {
  const { adapter: discourse, deps } = adapter();
  const missing = await perform(discourse, "unhide", "999", "disc").catch((e: unknown) => e);
  expect((missing as HttpCallError).exchange.status).toBe(404);
  expect((missing as HttpCallError).retriable).toBe(false);
  const badKey = createPlatformAdapter(
    discourseForumSchema.parse({ platform: "discourse", baseUrl: fake.baseUrl, apiKey: "wrong", apiUsername: "arbiter-mod" }),
    adapterDeps("disc"),
  );
  fake.addPost(106);
  const refused = await perform(badKey, "unhide", "106", "disc").catch((e: unknown) => e);
  expect((refused as HttpCallError).exchange.status).toBe(403);
  expect(deps.waits).toEqual([]);
  fake.answerNext("PUT", /^\/posts\/106\/unhide$/, { status: 502, body: "bad gateway" });
  await perform(discourse, "unhide", "106", "disc");
  expect(deps.waits).toHaveLength(1);
});

test("a post id that is no Discourse id is refused before any call", async () => {
  const before = fake.requests.length;
  await expect(perform(adapter().adapter, "hide", "abc-1", "disc")).rejects.toBeInstanceOf(PlatformIdError);
  expect(fake.requests.length).toBe(before);
});

test("the API key is read from the environment when so configured, and a missing one stops the start naming the setting", () => {
  const settings = discourseForumSchema.parse({ platform: "discourse", baseUrl: fake.baseUrl, apiKey: { env: "ARBITER_TEST_NO_SUCH_KEY" }, apiUsername: "m" });
  expect(() => createPlatformAdapter(settings, adapterDeps("disc"))).toThrow(/autoHide\.forums\.disc\.apiKey/);
});
