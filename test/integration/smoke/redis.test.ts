import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";

const ns = testNamespace("redis smoke");
const redis = testRedis();

beforeAll(async () => {
  await redis.connect();
});
afterAll(async () => {
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

test("writes a key with a TTL and reads it back", async () => {
  const key = `${ns.redisPrefix}verdict`;
  await redis.set(key, JSON.stringify({ decision: "allow" }), "EX", 60);
  expect(JSON.parse((await redis.get(key)) ?? "null")).toEqual({ decision: "allow" });
  const ttl = await redis.ttl(key);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60);
  await redis.del(key);
  expect(await redis.get(key)).toBeNull();
});
