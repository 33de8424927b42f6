import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { UnsupportedCallError } from "@arbiter/shared/sinks/errors/unsupported-call-error.js";
import { createPlatformAdapter } from "@arbiter/shared/sinks/platforms/adapters.js";
import { lemmyForumSchema } from "@arbiter/shared/sinks/platforms/lemmy-settings.js";
import { LemmyFake } from "../../../support/fakes/lemmy-fake.js";
import { adapterDeps, perform } from "../../../support/fakes/platform-deps.js";

const fake = new LemmyFake("jwt-1");
beforeAll(() => fake.start());
afterAll(() => fake.stop());

function adapter(extra: Record<string, unknown> = {}) {
  const deps = adapterDeps("lem");
  return { adapter: createPlatformAdapter(lemmyForumSchema.parse({ platform: "lemmy", baseUrl: fake.baseUrl, jwt: "jwt-1", ...extra }), deps), deps };
}

test("hide removes the post with the reason, as the moderator (Bearer JWT); a repeat answers 200 and is a success", async () => {
  fake.posts.set(11, { removed: false, creatorId: 500 });
  const { adapter: lemmy } = adapter();
  await perform(lemmy, "hide", "11", "lem");
  expect(fake.posts.get(11)!.removed).toBe(true);
  const [call] = fake.requestsTo("POST", /^\/api\/v3\/post\/remove$/);
  expect(call!.body).toEqual({ post_id: 11, removed: true, reason: "Removed by Arbiter pending review" });
  expect(call!.headers.authorization).toBe("Bearer jwt-1");
  await expect(perform(lemmy, "hide", "post:11", "lem")).resolves.toMatchObject({ status: 200 });
  expect(fake.posts.get(11)!.removed).toBe(true);
});

test("a comment (id comment:N) is removed and restored through the comment route", async () => {
  fake.comments.set(21, { removed: false, creatorId: 501 });
  const { adapter: lemmy } = adapter();
  await perform(lemmy, "hide", "lemmy.example:comment:21", "lem");
  expect(fake.comments.get(21)!.removed).toBe(true);
  await perform(lemmy, "unhide", "comment:21", "lem", "human");
  expect(fake.comments.get(21)!.removed).toBe(false);
  expect(fake.requestsTo("POST", /^\/api\/v3\/comment\/remove$/).map((r) => r.body)).toEqual([
    { comment_id: 21, removed: true, reason: "Removed by Arbiter pending review" },
    { comment_id: 21, removed: false, reason: "Removed by Arbiter pending review" },
  ]);
});

test("undo restores the post (removed: false)", async () => {
  fake.posts.set(12, { removed: true, creatorId: 500 });
  await perform(adapter().adapter, "unhide", "12", "lem", "human");
  expect(fake.posts.get(12)!.removed).toBe(false);
});

test("banner is a private message to the post's author, read from the post; unbanner calls nothing", async () => {
  fake.posts.set(13, { removed: false, creatorId: 777 });
  const { adapter: lemmy } = adapter({ notice: "You are not alone: 116 123." });
  await perform(lemmy, "banner", "13", "lem");
  expect(fake.messages).toContainEqual({ recipientId: 777, content: "You are not alone: 116 123." });
  const before = fake.requests.length;
  await expect(perform(lemmy, "unbanner", "13", "lem")).resolves.toMatchObject({ method: "NONE" });
  expect(fake.requests.length).toBe(before);
  await expect(perform(adapter().adapter, "banner", "13", "lem")).rejects.toBeInstanceOf(UnsupportedCallError);
});

test("a 429 (rate_limit_error, no Retry-After) is retried with backoff, then succeeds", async () => {
  fake.posts.set(14, { removed: false, creatorId: 500 });
  fake.answerNext("POST", /^\/api\/v3\/post\/remove$/, LemmyFake.rateLimited);
  const { adapter: lemmy, deps } = adapter();
  await perform(lemmy, "hide", "14", "lem");
  expect(fake.posts.get(14)!.removed).toBe(true);
  expect(deps.waits).toHaveLength(1);
});

test("a 4xx (unknown post, bad token) is a refusal, not retried", async () => {
  const { adapter: lemmy, deps } = adapter();
  const missing = await perform(lemmy, "hide", "404404", "lem").catch((e: unknown) => e);
  expect((missing as HttpCallError).exchange).toMatchObject({ status: 404, body: '{"error":"not_found"}' });
  fake.posts.set(15, { removed: false, creatorId: 500 });
  const badToken = createPlatformAdapter(lemmyForumSchema.parse({ platform: "lemmy", baseUrl: fake.baseUrl, jwt: "stale" }), adapterDeps("lem"));
  const refused = await perform(badToken, "hide", "15", "lem").catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(HttpCallError);
  expect((refused as HttpCallError).retriable).toBe(false);
  expect(fake.posts.get(15)!.removed).toBe(false);
  expect(deps.waits).toEqual([]);
});
