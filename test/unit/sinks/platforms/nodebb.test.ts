import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { UnsupportedCallError } from "@arbiter/shared/sinks/errors/unsupported-call-error.js";
import { createPlatformAdapter } from "@arbiter/shared/sinks/platforms/adapters.js";
import { nodebbForumSchema } from "@arbiter/shared/sinks/platforms/nodebb-settings.js";
import { NodebbFake } from "../../../support/fakes/nodebb-fake.js";
import { adapterDeps, perform } from "../../../support/fakes/platform-deps.js";

const fake = new NodebbFake("tok-1", 7);
beforeAll(() => fake.start());
afterAll(() => fake.stop());

function adapter(extra: Record<string, unknown> = {}) {
  const deps = adapterDeps("nbb");
  return {
    adapter: createPlatformAdapter(nodebbForumSchema.parse({ platform: "nodebb", baseUrl: fake.baseUrl, token: "tok-1", uid: 7, ...extra }), deps),
    deps,
  };
}

test("hide deletes the post's state as the master token's uid; a repeat (400 already deleted) is a success", async () => {
  fake.posts.set(31, { deleted: false });
  const { adapter: nodebb } = adapter();
  await perform(nodebb, "hide", "31", "nbb");
  expect(fake.posts.get(31)!.deleted).toBe(true);
  const again = await perform(nodebb, "hide", "nodebb:31", "nbb");
  expect(again.status).toBe(400);
  expect(fake.posts.get(31)!.deleted).toBe(true);
  const calls = fake.requestsTo("DELETE", /^\/api\/v3\/posts\/31\/state$/);
  expect(calls).toHaveLength(2);
  expect(calls[0]!.headers.authorization).toBe("Bearer tok-1");
  expect(calls[0]!.query.get("_uid")).toBe("7");
});

test("undo restores the post (PUT state); a repeat (already restored) is a success", async () => {
  fake.posts.set(32, { deleted: true });
  const { adapter: nodebb } = adapter();
  await perform(nodebb, "unhide", "32", "nbb", "human");
  expect(fake.posts.get(32)!.deleted).toBe(false);
  await expect(perform(nodebb, "unhide", "32", "nbb", "human")).resolves.toMatchObject({ status: 400 });
});

test("banner is not supported: a clear refusal for the dead-letter topic, and no call", async () => {
  const before = fake.requests.length;
  const error = await perform(adapter().adapter, "banner", "33", "nbb").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedCallError);
  expect((error as UnsupportedCallError).retriable).toBe(false);
  expect((error as Error).message).toMatch(/nodebb cannot banner/);
  expect(fake.requests.length).toBe(before);
});

test("a 429 from a proxy is waited out for its Retry-After, then the call succeeds", async () => {
  fake.posts.set(34, { deleted: false });
  fake.answerNext("DELETE", /^\/api\/v3\/posts\/34\/state$/, { status: 429, headers: { "retry-after": "3" }, body: "Too Many Requests" });
  const { adapter: nodebb, deps } = adapter();
  await perform(nodebb, "hide", "34", "nbb");
  expect(fake.posts.get(34)!.deleted).toBe(true);
  expect(deps.waits).toEqual([3000]);
});

test("another 4xx (no such post, a 400 that is no repeat) is a refusal, not retried", async () => {
  const { adapter: nodebb, deps } = adapter();
  const missing = await perform(nodebb, "hide", "999", "nbb").catch((e: unknown) => e);
  expect((missing as HttpCallError).exchange.status).toBe(404);
  expect((missing as HttpCallError).retriable).toBe(false);
  fake.posts.set(35, { deleted: false });
  // A 400 that is not a repeat is a refusal too.
  fake.answerNext("DELETE", /^\/api\/v3\/posts\/35\/state$/, {
    status: 400,
    body: { status: { code: "bad-request", message: "You do not have enough privileges for this action." }, response: {} },
  });
  await expect(perform(nodebb, "hide", "35", "nbb")).rejects.toBeInstanceOf(HttpCallError);
  expect(fake.posts.get(35)!.deleted).toBe(false);
  expect(deps.waits).toEqual([]);
});
