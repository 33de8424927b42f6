import { EnginePreemptedError } from "@arbiter/shared/engine/errors/engine-preempted-error.js";
import { EngineBusyError, EngineQueueClosedError, SequencePool, type PriorityClass } from "@arbiter/shared/engine/index.js";

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

  describe("priority classes", () => {
    /** A fake inference: each call records when it starts and runs until the test finishes it. */
    function harness(sequences: number, capacity = 16) {
      const pool = new SequencePool(
        Array.from({ length: sequences }, (_, i) => `s${i}`),
        capacity,
      );
      const started: string[] = [];
      const gates = new Map<string, () => void>();
      const calls: Promise<void>[] = [];
      const submit = (name: string, priority: PriorityClass, key = "k"): void => {
        calls.push(
          pool.run(
            key,
            never,
            () => {
              started.push(name);
              return new Promise<void>((resolve) => gates.set(name, resolve));
            },
            { priority },
          ),
        );
      };
      const finish = async (name: string): Promise<void> => {
        gates.get(name)!();
        await tick();
      };
      return { pool, started, submit, finish, all: () => Promise.all(calls) };
    }

    it("serves the highest class waiting first, oldest first within a class", async () => {
      const h = harness(1);
      h.submit("audit-1", "audit");
      await tick();
      h.submit("audit-2", "audit");
      h.submit("look-1", "second-look");
      h.submit("esc-1", "escalation");
      h.submit("primary-1", "primary");
      h.submit("look-2", "second-look");
      h.submit("primary-2", "primary");
      await tick();
      expect(h.pool.stats().queuedByClass).toEqual({ primary: 2, escalation: 1, "second-look": 2, audit: 1 });
      for (const name of ["audit-1", "primary-1", "primary-2", "esc-1", "look-1", "look-2", "audit-2"]) await h.finish(name);
      await h.all();
      expect(h.started).toEqual(["audit-1", "primary-1", "primary-2", "esc-1", "look-1", "look-2", "audit-2"]);
    });

    it("lets a lower class delay a higher one by at most the one call each sequence is running", async () => {
      const h = harness(2);
      // Both sequences run second-look calls and more wait; then primary calls arrive.
      for (const name of ["look-1", "look-2", "look-3", "look-4"]) h.submit(name, "second-look");
      await tick();
      h.submit("primary-1", "primary");
      h.submit("primary-2", "primary");
      await tick();
      expect(h.started).toEqual(["look-1", "look-2"]);
      // Each sequence freed goes to a waiting primary call, never to the waiting second-look calls.
      await h.finish("look-1");
      expect(h.started).toEqual(["look-1", "look-2", "primary-1"]);
      await h.finish("look-2");
      expect(h.started).toEqual(["look-1", "look-2", "primary-1", "primary-2"]);
      // A primary call arriving while both sequences run primary calls still goes before look-3.
      h.submit("primary-3", "primary");
      await h.finish("primary-1");
      expect(h.started.at(-1)).toBe("primary-3");
      for (const name of ["primary-2", "primary-3", "look-3", "look-4"]) await h.finish(name);
      await h.all();
      expect(h.started.slice(-2)).toEqual(["look-3", "look-4"]);
    });

    it("keeps prefix affinity within the class served, never across classes", async () => {
      const h = harness(1);
      h.submit("audit-0", "audit", "A");
      await tick();
      // The sequence will hold prefix A; an audit call with A waits, but the primary call with B goes first.
      h.submit("audit-A", "audit", "A");
      h.submit("primary-B", "primary", "B");
      await tick();
      await h.finish("audit-0");
      await h.finish("primary-B");
      await h.finish("audit-A");
      await h.all();
      expect(h.started).toEqual(["audit-0", "primary-B", "audit-A"]);
    });

    it("does not let a queue full of lower-class calls make a higher class wait for room", async () => {
      const h = harness(1, 2);
      h.submit("look-running", "second-look");
      await tick();
      h.submit("look-1", "second-look");
      h.submit("look-2", "second-look");
      await tick();
      expect(h.pool.stats()).toMatchObject({ queueDepth: 2, waitingForRoom: 0 });
      h.submit("look-3", "second-look");
      h.submit("primary-1", "primary");
      await tick();
      // The second-look call waits for room; the primary call is queued at once.
      expect(h.pool.stats()).toMatchObject({ queueDepth: 3, waitingForRoom: 1 });
      await h.finish("look-running");
      expect(h.started).toEqual(["look-running", "primary-1"]);
      for (const name of ["primary-1", "look-1", "look-2", "look-3"]) await h.finish(name);
      await h.all();
      expect(h.started).toEqual(["look-running", "primary-1", "look-1", "look-2", "look-3"]);
    });

    it("runs an only-if-idle call when a sequence is free and nothing waits, and refuses it otherwise", async () => {
      const h = harness(1);
      expect(h.pool.hasIdleSequence()).toBe(true);
      await expect(h.pool.run("k", never, async () => "ran", { priority: "second-look", onlyIfIdle: true })).resolves.toBe("ran");
      h.submit("primary-1", "primary");
      await tick();
      expect(h.pool.hasIdleSequence()).toBe(false);
      let ran = false;
      await expect(h.pool.run("k", never, async () => void (ran = true), { priority: "second-look", onlyIfIdle: true })).rejects.toBeInstanceOf(
        EngineBusyError,
      );
      expect(ran).toBe(false);
      expect(h.pool.stats().queueDepth).toBe(0);
      await h.finish("primary-1");
      await h.all();
      expect(h.pool.hasIdleSequence()).toBe(true);
    });

    it("with an idle reserve, runs an only-if-idle call only while more than that many sequences are free", async () => {
      const h = harness(3);
      h.submit("primary-1", "primary");
      await tick();
      // 2 of 3 free: more than 1, not more than 2.
      expect(h.pool.hasIdleSequence(1)).toBe(true);
      expect(h.pool.hasIdleSequence(2)).toBe(false);
      await expect(h.pool.run("k", never, async () => "ran", { priority: "second-look", onlyIfIdle: true, idleReserve: 2 })).rejects.toBeInstanceOf(
        EngineBusyError,
      );
      await expect(h.pool.run("k", never, async () => "ran", { priority: "second-look", onlyIfIdle: true, idleReserve: 1 })).resolves.toBe("ran");
      await h.finish("primary-1");
      await h.all();
      expect(h.pool.hasIdleSequence(2)).toBe(true);
    });

    it("a higher class that finds every sequence busy stops a preemptible call of a lower class and takes its sequence", async () => {
      const pool = new SequencePool(["s0", "s1"], 16);
      const started: string[] = [];
      const stopped: string[] = [];
      const gates = new Map<string, () => void>();
      const call = (name: string, priority: PriorityClass, preemptible: boolean) =>
        pool.run(
          "k",
          never,
          (_resource, _held, preempted) => {
            started.push(name);
            return new Promise<string>((resolve, reject) => {
              gates.set(name, () => resolve(name));
              preempted.addEventListener("abort", () => {
                stopped.push(name);
                reject(new Error("stopped part-way"));
              });
            });
          },
          { priority, preemptible },
        );
      // Settled at once, so a rejection is never unhandled while the test goes on.
      const lookOld = call("look-old", "second-look", true).catch((error: unknown) => error);
      await tick();
      const lookNew = call("look-new", "second-look", true).catch((error: unknown) => error);
      await tick();
      expect(pool.hasIdleSequence()).toBe(false);
      // Both sequences run second-look calls: a post the prefilter sent stops the one started last (the least work lost).
      const primary = call("primary-1", "primary", false);
      await tick();
      expect(await lookNew).toBeInstanceOf(EnginePreemptedError);
      expect(await lookNew).toBeInstanceOf(EngineBusyError);
      await tick();
      expect(started).toEqual(["look-old", "look-new", "primary-1"]);
      expect(stopped).toEqual(["look-new"]);
      expect(pool.stats().preemptions).toBe(1);
      // A call that did not ask to be preemptible is never stopped: a second primary call waits for a sequence.
      const blocking = call("esc-1", "escalation", false);
      await tick();
      const second = call("primary-2", "primary", true);
      await tick();
      expect(stopped).toEqual(["look-new", "look-old"]);
      gates.get("primary-1")!();
      await expect(primary).resolves.toBe("primary-1");
      await tick();
      expect(started).toEqual(["look-old", "look-new", "primary-1", "esc-1", "primary-2"]);
      gates.get("esc-1")!();
      gates.get("primary-2")!();
      await expect(Promise.all([blocking, second])).resolves.toEqual(["esc-1", "primary-2"]);
      expect(await lookOld).toBeInstanceOf(EnginePreemptedError);
      expect(pool.stats().preemptions).toBe(2);
    });
  });
});
