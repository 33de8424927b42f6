import { SingleFlight } from "@arbiter/shared/pipeline/single-flight.js";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const live = () => new AbortController().signal;

test("callers with the same key share one call and its result; another key gets its own", async () => {
  const flights = new SingleFlight<string>();
  const gate = deferred<string>();
  let calls = 0;
  const call = () => (calls++, gate.promise);
  const same = Array.from({ length: 50 }, () => flights.run("a", live(), call));
  const other = flights.run("b", live(), async () => (calls++, "b"));
  gate.resolve("a");
  expect(await Promise.all(same)).toEqual(Array(50).fill("a"));
  expect(await other).toBe("b");
  expect(calls).toBe(2);
  expect(flights.size).toBe(0);
  // Done is done: the next caller starts a new call.
  expect(await flights.run("a", live(), async () => (calls++, "again"))).toBe("again");
  expect(calls).toBe(3);
});

test("a failure reaches every caller, and the key is free again", async () => {
  const flights = new SingleFlight<string>();
  const gate = deferred<string>();
  const both = [flights.run("k", live(), () => gate.promise), flights.run("k", live(), () => gate.promise)];
  gate.reject(new Error("model down"));
  for (const p of both) await expect(p).rejects.toThrow("model down");
  expect(flights.size).toBe(0);
});

test("a caller that aborts stops waiting; the call goes on for the others and is aborted only when all have left", async () => {
  const flights = new SingleFlight<string>();
  const gate = deferred<string>();
  let shared: AbortSignal | undefined;
  const call = (signal: AbortSignal) => ((shared = signal), gate.promise);
  const first = new AbortController();
  const second = new AbortController();
  const a = flights.run("k", first.signal, call);
  const b = flights.run("k", second.signal, call);
  first.abort(new Error("rebalance"));
  await expect(a).rejects.toThrow("rebalance");
  expect(shared!.aborted).toBe(false);
  second.abort(new Error("shutdown"));
  await expect(b).rejects.toThrow("shutdown");
  expect(shared!.aborted).toBe(true);
  // Nobody waits for the aborted call: a new caller starts a fresh one.
  expect(await flights.run("k", live(), async () => "fresh")).toBe("fresh");
  gate.resolve("late");
});

test("an already aborted caller starts nothing", async () => {
  const flights = new SingleFlight<string>();
  const controller = new AbortController();
  controller.abort(new Error("gone"));
  let calls = 0;
  await expect(flights.run("k", controller.signal, async () => (calls++, "x"))).rejects.toThrow("gone");
  expect(calls).toBe(0);
});
