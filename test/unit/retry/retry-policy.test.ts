import { SchemaNotFoundError } from "@arbiter/shared/codec/errors/schema-not-found-error.js";
import { SchemaRegistryUnavailableError } from "@arbiter/shared/codec/errors/schema-registry-unavailable-error.js";
import { Backoff } from "@arbiter/shared/retry/backoff.js";
import { RetriesExhaustedError } from "@arbiter/shared/retry/errors/retries-exhausted-error.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";

// The options the loops other than the sinks' use: no jitter, their own "try again?", no wait.

const never = new AbortController().signal;
const recordingSleep = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};
/** An operation that fails with each of `errors` in turn, then answers "done"; counts its calls. */
const failing = (...errors: unknown[]) => {
  const op = Object.assign(
    async () => {
      op.calls++;
      if (errors.length > 0) throw errors.shift();
      return "done";
    },
    { calls: 0 },
  );
  return op;
};
const down = () => new SchemaRegistryUnavailableError("down");

describe("Backoff without jitter", () => {
  it("waits the plain doubling up to the cap, and never asks for a random number", () => {
    let randoms = 0;
    const backoff = new Backoff({ initialDelayMs: 500, maxDelayMs: 3000, jitter: false }, () => (randoms++, 0.5));
    expect([1, 2, 3, 4, 5].map((n) => backoff.delayMs(n))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(randoms).toBe(0);
  });

  it("with a cap below the first wait, waits the cap", () => {
    expect(new Backoff({ initialDelayMs: 500, maxDelayMs: 100, jitter: false }).delayMs(1)).toBe(100);
  });
});

describe("RetryPolicy options", () => {
  it("jitter: false waits exactly 500, 1000, 2000 … capped, and maxAttempts failures end in RetriesExhaustedError with the last error", async () => {
    const { waits, sleep } = recordingSleep();
    const errors = [down(), down(), down(), down(), down()];
    const op = failing(...errors);
    const policy = new RetryPolicy({ initialDelayMs: 500, maxDelayMs: 1500, maxAttempts: 5, jitter: false }, () => 0.5, sleep);
    const error = await policy.run(op, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(5);
    expect((error as RetriesExhaustedError).lastError).toBe(errors[4]);
    expect(op.calls).toBe(5);
    expect(waits).toEqual([500, 1000, 1500, 1500]);
  });

  it("retryOn picks what is tried again: a non-retriable error it picks is retried, a retriable one it leaves is thrown at once", async () => {
    const { waits, sleep } = recordingSleep();
    const notFound = new SchemaNotFoundError(1, "no such id");
    const onlyNotFound = new RetryPolicy(
      { initialDelayMs: 250, maxDelayMs: Infinity, maxAttempts: 0, jitter: false, retryOn: (e) => e instanceof SchemaNotFoundError },
      Math.random,
      sleep,
    );
    expect(notFound.retriable).toBe(false);
    await expect(onlyNotFound.run(failing(notFound, notFound, notFound), never)).resolves.toBe("done");
    expect(waits).toEqual([250, 500, 1000]);

    const outage = down();
    const op = failing(outage);
    await expect(onlyNotFound.run(op, never)).rejects.toBe(outage);
    expect(op.calls).toBe(1);
    expect(waits).toHaveLength(3);
  });

  it("without retryOn, only retriable errors are tried again (kafkajs's own flag included)", async () => {
    const { sleep } = recordingSleep();
    const policy = new RetryPolicy({ initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 0 }, Math.random, sleep);
    await expect(policy.run(failing(Object.assign(new Error("broker moved"), { retriable: true })), never)).resolves.toBe("done");
    const refused = new SchemaNotFoundError(2, "gone");
    await expect(policy.run(failing(refused), never)).rejects.toBe(refused);
  });

  it("a wait of 0 ms is no wait: the next attempt starts at once, without sleeping", async () => {
    const { waits, sleep } = recordingSleep();
    const observed: Array<[number, number]> = [];
    const policy = new RetryPolicy({ initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 3 }, Math.random, sleep);
    const op = failing(down(), down(), down());
    const error = await policy.run(op, never, { onRetry: (attempt, _error, delay) => observed.push([attempt, delay]) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(op.calls).toBe(3);
    expect(waits).toEqual([]);
    expect(observed).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });

  it("onRetry sees each failed attempt, its error and the wait, before the wait", async () => {
    const events: string[] = [];
    const sleep = async (ms: number) => void events.push(`sleep ${ms}`);
    const first = down();
    const policy = new RetryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 0, jitter: false }, Math.random, sleep);
    await policy.run(failing(first, down()), never, {
      onRetry: (attempt, error, delay) => events.push(`retry ${attempt} ${error === first ? "first" : "second"} ${delay}`),
    });
    expect(events).toEqual(["retry 1 first 100", "sleep 100", "retry 2 second 200", "sleep 200"]);
  });

  it("an abort during a wait ends the run with the signal's reason, and no further attempt is made", async () => {
    const abort = new AbortController();
    const op = failing(down(), down(), down());
    const policy = new RetryPolicy({ initialDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: 0, jitter: false });
    const run = policy.run(op, abort.signal);
    setTimeout(() => abort.abort(new Error("closing")), 20);
    await expect(run).rejects.toThrow("closing");
    expect(op.calls).toBe(1);
  });

  it("an abort with no wait left (0 ms) still stops the next attempt", async () => {
    const abort = new AbortController();
    const op = Object.assign(
      async () => {
        op.calls++;
        abort.abort(new Error("stopping"));
        throw down();
      },
      { calls: 0 },
    );
    await expect(new RetryPolicy({ initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 5 }).run(op, abort.signal)).rejects.toThrow("stopping");
    expect(op.calls).toBe(1);
  });
});
