import { TokenBucket } from "@arbiter/shared/ingest/token-bucket.js";

describe("TokenBucket", () => {
  it("lets a burst through, then asks to wait until a token is back", () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(1);
    now += 500; // one token back at 2 a second
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(1);
  });

  it("says how long to wait when the rate is under one a second", () => {
    let now = 0;
    const bucket = new TokenBucket(0.1, 1, () => now);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(10);
    now += 5000;
    expect(bucket.take()).toBe(5);
  });

  it("never holds more than the burst, however long it was idle", () => {
    let now = 0;
    const bucket = new TokenBucket(100, 2, () => now);
    now += 60_000;
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });
});
