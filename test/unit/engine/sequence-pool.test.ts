import { EngineQueueClosedError, SequencePool } from "@arbiter/shared/engine/index.js";

/** A job the test finishes by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const never = new AbortController().signal;

describe("SequencePool", () => {
  it("sends a call to the free sequence that already holds its prefix", async () => {
    const pool = new SequencePool(["s0", "s1"], 8);
    await pool.run("policy-A", never, async () => undefined); // empty pool: lands on s0
    const gate = deferred();
    const blocker = pool.run("policy-B", never, () => gate.promise); // s0 is free but holds A: B takes the empty s1
    await tick();
    const usedFor: string[] = [];
    gate.resolve();
    await blocker;
    await pool.run("policy-A", never, async (resource, held) => void usedFor.push(`${resource}:${held}`));
    await pool.run("policy-B", never, async (resource, held) => void usedFor.push(`${resource}:${held}`));
    expect(usedFor).toEqual(["s0:true", "s1:true"]);
    expect(pool.stats().affinityHits).toBe(2);
  });

  it("lets a queued call with a held prefix overtake the head, but not forever", async () => {
    const pool = new SequencePool(["s0"], 16, 2);
    await pool.run("A", never, async () => undefined);
    const gate = deferred();
    const running = pool.run("B", never, () => gate.promise);
    await tick();
    const order: string[] = [];
    const queued = ["C", "B", "B", "B"].map((key) => pool.run(key, never, async () => void order.push(key)));
    await tick();
    gate.resolve();
    await Promise.all([running, ...queued]);
    // Two B's overtake C (maxSkips = 2), then C runs, then the last B.
    expect(order).toEqual(["B", "B", "C", "B"]);
  });

  it("makes callers wait for room when the queue is full, and reports the depth", async () => {
    const pool = new SequencePool(["s0"], 2);
    const gate = deferred();
    const calls = [pool.run("k", never, () => gate.promise)];
    await tick();
    calls.push(
      pool.run("k", never, async () => undefined),
      pool.run("k", never, async () => undefined),
    );
    let thirdQueued = false;
    const third = pool.run("k", never, async () => undefined).then(() => (thirdQueued = true));
    await tick();
    expect(pool.stats()).toMatchObject({ queueDepth: 2, waitingForRoom: 1, busy: 1 });
    expect(thirdQueued).toBe(false);
    gate.resolve();
    await Promise.all([...calls, third]);
    expect(pool.stats()).toMatchObject({ queueDepth: 0, waitingForRoom: 0, busy: 0 });
  });

  it("removes an aborted call from the queue with the signal's reason", async () => {
    const pool = new SequencePool(["s0"], 4);
    const gate = deferred();
    const running = pool.run("k", never, () => gate.promise);
    await tick();
    const controller = new AbortController();
    let ran = false;
    const queued = pool.run("k", controller.signal, async () => void (ran = true));
    await tick();
    controller.abort(new Error("caller gave up"));
    await expect(queued).rejects.toThrow("caller gave up");
    expect(pool.stats().queueDepth).toBe(0);
    gate.resolve();
    await running;
    expect(ran).toBe(false);
  });

  it("on close fails queued calls, refuses new ones and waits for running ones", async () => {
    const pool = new SequencePool(["s0"], 4);
    const gate = deferred();
    let finished = false;
    const running = pool.run("k", never, () => gate.promise.then(() => void (finished = true)));
    await tick();
    const queued = pool.run("k", never, async () => undefined);
    const closing = pool.close();
    await expect(queued).rejects.toBeInstanceOf(EngineQueueClosedError);
    await expect(pool.run("k", never, async () => undefined)).rejects.toBeInstanceOf(EngineQueueClosedError);
    gate.resolve();
    await closing;
    await running;
    expect(finished).toBe(true);
  });
});
