import { AssignedPartition } from "@arbiter/shared/kafka/assigned-partition.js";
import { ConcurrencyLimit } from "@arbiter/shared/kafka/concurrency-limit.js";
import { PartitionFencedError } from "@arbiter/shared/kafka/errors/partition-fenced-error.js";
import type { InboundRecord, OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { CommitPoint } from "@arbiter/shared/kafka/offset-tracker.js";
import type { PartitionPublisher } from "@arbiter/shared/kafka/partition-publisher.js";
import type { RecordResult } from "@arbiter/shared/kafka/record-processor.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";

/** Records what would have been produced and committed, in order. */
class FakePublisher implements PartitionPublisher {
  readonly published: Array<{ keys: string[]; commit: CommitPoint }> = [];
  fenceNext = false;
  closed = false;
  /** Publishes that fail (as a broker outage would) before the next succeeds. */
  failNext = 0;
  /** Refuses, as Kafka does past max.message.bytes, any publish carrying an output value longer than this. */
  maxValueBytes = Infinity;
  attempts = 0;
  async publish(outputs: readonly OutboundRecord[], commit: CommitPoint): Promise<void> {
    this.attempts++;
    await new Promise((r) => setTimeout(r, 1));
    if (this.fenceNext) throw new PartitionFencedError("t", 0, new Error("INVALID_PRODUCER_EPOCH"));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("broker not available");
    }
    // kafkajs wraps the broker's answer: the type is on the cause.
    if (outputs.some((o) => o.value.length > this.maxValueBytes))
      throw Object.assign(new Error("produce failed"), { cause: Object.assign(new Error("too large"), { type: "MESSAGE_TOO_LARGE", code: 10 }) });
    this.published.push({ keys: outputs.map((o) => String(o.key)), commit });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function record(offset: number, key: string): InboundRecord {
  return { topic: "t", partition: 0, offset: String(offset), key: Buffer.from(key), value: Buffer.from("v"), headers: {} };
}
const out = (key: string, tag: string): OutboundRecord => ({ topic: "out", key: `${key}:${tag}`, value: Buffer.from(tag), headers: {} });
const ready = (key: string, tag: string): RecordResult => ({ kind: "ready", outputs: [out(key, tag)] });

/** A deferred result that finishes when the test says so. */
function gate(key: string, tag: string) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let started = false;
  const result: RecordResult = {
    kind: "deferred",
    run: async (signal) => {
      started = true;
      await Promise.race([opened, new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))))]);
      return [out(key, tag)];
    },
  };
  return { result, open, started: () => started };
}

async function partitionWith(
  publisher: FakePublisher,
  committed = "0",
  metadata: string | null = null,
  options: { maxBytes?: number; exact?: boolean; running?: number; maxFailures?: number } = {},
) {
  const inFlight: number[] = [];
  const fenced: PartitionFencedError[] = [];
  const part = new AssignedPartition({
    topic: "t",
    partition: 0,
    maxRecordsPerCommit: 500,
    maxCommitMetadataBytes: options.maxBytes ?? 4096,
    exact: options.exact ?? true,
    deferredLimit: new ConcurrencyLimit(options.running ?? 16),
    maxPublishFailures: options.maxFailures ?? 10,
    refused: (offset, error) => ({ topic: "dlq", key: `dlq:${offset}`, value: Buffer.from(error.name), headers: {} }),
    connect: async () => ({ publisher, committed: { offset: committed, metadata } }),
    onInFlight: (d) => inFlight.push(d),
    onFenced: (e) => fenced.push(e),
    logger: silentLogger,
  });
  await part.ready;
  return { part, inFlight, fenced };
}

/** Lets work that should NOT happen have its chance to (a check that something stays undone). */
const settle = () => new Promise((r) => setTimeout(r, 20));

/** Waits until `done()` holds: a check that something happens, however loaded the machine (a fixed sleep raced the publisher). */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function admit(part: AssignedPartition, entries: Array<[number, string, RecordResult]>): Promise<void> {
  const records = entries.map(([o, k]) => record(o, k)).filter((r) => part.accept(r.offset));
  return part.admit(
    records,
    entries.filter(([o]) => records.some((r) => r.offset === String(o))).map(([, , r]) => r),
  );
}

test("records decided at once are published while an earlier record's model call runs; the commit stays at the unfinished one", async () => {
  const publisher = new FakePublisher();
  const { part } = await partitionWith(publisher);
  const slow = gate("a", "model");
  await admit(part, [
    [0, "a", slow.result],
    [1, "b", ready("b", "pre")],
    [2, "c", ready("c", "pre")],
  ]);
  expect(publisher.published).toEqual([{ keys: ["b:pre", "c:pre"], commit: { offset: "0", metadata: expect.stringMatching(/^a1:0:/) } }]);
  slow.open();
  await until(() => publisher.published.length >= 2, "the model record's publish");
  expect(publisher.published[1]).toEqual({ keys: ["a:model"], commit: { offset: "3", metadata: "" } });
});

test("within a key, records complete in offset order, across chunks; other keys do not wait", async () => {
  const publisher = new FakePublisher();
  const { part } = await partitionWith(publisher);
  const first = gate("k", "1");
  const second = gate("k", "2");
  await admit(part, [[0, "k", first.result]]);
  await admit(part, [
    [1, "k", second.result],
    [2, "k", ready("k", "3")],
    [3, "x", ready("x", "now")],
  ]);
  await settle();
  // The second model call has not started: its key's earlier record is unfinished.
  expect(second.started()).toBe(false);
  expect(publisher.published.map((p) => p.keys)).toEqual([["x:now"]]);
  first.open();
  await until(() => second.started(), "the second model call to start");
  second.open();
  await until(() => publisher.published.flatMap((p) => p.keys).length >= 4, "every record's publish");
  expect(publisher.published.flatMap((p) => p.keys)).toEqual(["x:now", "k:1", "k:2", "k:3"]);
  expect(publisher.published.at(-1)!.commit).toEqual({ offset: "4", metadata: "" });
});

test("an order key replaces the Kafka key: one thread's posts wait only for their own post's earlier records", async () => {
  const publisher = new FakePublisher();
  const { part } = await partitionWith(publisher);
  // Three posts of one thread (Kafka key "thread"), ordered by post id: post p1 goes to the model, p2 is
  // decided at once, then an edit of p1 (p1 again) and, as a string key, the same bytes as a Buffer key.
  const model = gate("p1", "model");
  const edit = gate("p1", "edit");
  await admit(part, [
    [0, "thread", { ...model.result, orderKey: "p1" }],
    [1, "thread", { ...ready("p2", "pre"), orderKey: "p2" }],
    [2, "thread", { ...edit.result, orderKey: Buffer.from("p1") }],
    [3, "thread", { ...ready("p1", "late"), orderKey: "p1" }],
    [4, "thread", { ...ready("p3", "none"), orderKey: null }],
  ]);
  await settle();
  // p2 and the record that orders nothing are published though the thread's first post is at the model; the edit waits for it.
  expect(publisher.published.flatMap((p) => p.keys)).toEqual(["p2:pre", "p3:none"]);
  expect(edit.started()).toBe(false);
  model.open();
  await until(() => edit.started() && publisher.published.length >= 2, "the model record's publish and the edit's call");
  expect(publisher.published.flatMap((p) => p.keys)).toEqual(["p2:pre", "p3:none", "p1:model"]);
  edit.open();
  await until(() => publisher.published.flatMap((p) => p.keys).length >= 5, "every record's publish");
  expect(publisher.published.flatMap((p) => p.keys)).toEqual(["p2:pre", "p3:none", "p1:model", "p1:edit", "p1:late"]);
  expect(publisher.published.at(-1)!.commit).toEqual({ offset: "5", metadata: "" });
});

test("after a restart from the committed metadata, records done above the committed offset are skipped", async () => {
  const publisher = new FakePublisher();
  const { part } = await partitionWith(publisher, "10");
  const slow = gate("a", "m");
  await admit(part, [
    [10, "a", slow.result],
    [11, "b", ready("b", "p")],
    [12, "c", ready("c", "p")],
  ]);
  const { commit } = publisher.published[0]!;
  const again = new FakePublisher();
  const { part: restarted } = await partitionWith(again, commit.offset, commit.metadata);
  expect(["9", "10", "11", "12", "13"].filter((o) => restarted.accept(o))).toEqual(["10", "13"]);
});

test("deferred records in flight are counted up and down; a fenced partition drops its work and closes its producer", async () => {
  const publisher = new FakePublisher();
  const { part, inFlight, fenced } = await partitionWith(publisher);
  const slow = gate("a", "m");
  await admit(part, [[0, "a", slow.result]]);
  expect(inFlight).toEqual([1]);
  publisher.fenceNext = true;
  await admit(part, [[1, "b", ready("b", "p")]]);
  await until(() => fenced.length >= 1, "the fence");
  expect(fenced).toHaveLength(1);
  expect(part.closed).toBe(true);
  expect(part.signal.aborted).toBe(true);
  await until(() => inFlight.length >= 2 && publisher.closed, "the dropped work to be counted down");
  expect(inFlight).toEqual([1, -1]);
  expect(publisher.closed).toBe(true);
  expect(publisher.published).toEqual([]);
});

test("exactly-once: completions whose done set would not fit the metadata wait for the lowest unfinished record", async () => {
  const publisher = new FakePublisher();
  // Room for the header and a few runs only.
  const { part } = await partitionWith(publisher, "0", null, { maxBytes: 20, exact: true });
  const gates = [0, 2, 4, 6, 8].map((o) => gate(`m${o}`, "m"));
  const entries: Array<[number, string, RecordResult]> = [];
  for (let o = 0; o < 10; o++) entries.push(o % 2 === 0 ? [o, `m${o}`, gates[o / 2]!.result] : [o, `p${o}`, ready(`p${o}`, "p")]);
  void admit(part, entries);
  await settle();
  for (const p of publisher.published) expect(p.commit.metadata.length).toBeLessThanOrEqual(20);
  const early = publisher.published.flatMap((p) => p.keys);
  expect(early.length).toBeLessThan(5);
  for (const g of gates) g.open();
  await until(() => publisher.published.flatMap((p) => p.keys).length >= 10, "every record's publish");
  expect(publisher.published.flatMap((p) => p.keys).sort()).toEqual(
    [...[0, 2, 4, 6, 8].map((o) => `m${o}:m`), ...[1, 3, 5, 7, 9].map((o) => `p${o}:p`)].sort(),
  );
  expect(publisher.published.at(-1)!.commit).toEqual({ offset: "10", metadata: "" });
});

test("deferred records beyond the running limit wait in the runner, taken on but not started", async () => {
  const publisher = new FakePublisher();
  const { part, inFlight } = await partitionWith(publisher, "0", null, { running: 2 });
  const gates = ["a", "b", "c"].map((k) => gate(k, "m"));
  await admit(part, [
    [0, "a", gates[0]!.result],
    [1, "b", gates[1]!.result],
    [2, "c", gates[2]!.result],
    [3, "d", ready("d", "p")],
  ]);
  await until(() => gates[0]!.started() && gates[1]!.started() && publisher.published.length >= 1, "the first two calls and the ready record");
  await settle(); // and the third call has had its chance to start, wrongly
  expect(gates.map((g) => g.started())).toEqual([true, true, false]);
  expect(inFlight).toEqual([1, 1, 1]);
  // The record decided at once does not wait for any of them.
  expect(publisher.published.flatMap((p) => p.keys)).toEqual(["d:p"]);
  gates[1]!.open();
  await until(() => gates[2]!.started(), "the waiting model call to start");
  gates[0]!.open();
  gates[2]!.open();
  await until(() => publisher.published.at(-1)?.commit.offset === "4", "the commit past every record");
  expect(publisher.published.at(-1)!.commit).toEqual({ offset: "4", metadata: "" });
});

describe("what the broker refuses or cannot take", () => {
  it("replaces the outputs of the one record the broker refuses as too large with its dead letter, and moves on", async () => {
    const publisher = new FakePublisher();
    publisher.maxValueBytes = 100;
    const { part } = await partitionWith(publisher, "0", null, { exact: false });
    const huge: RecordResult = { kind: "ready", outputs: [{ topic: "out", key: "b:huge", value: Buffer.alloc(1000), headers: {} }] };
    await admit(part, [
      [0, "a", ready("a", "1")],
      [1, "b", huge],
      [2, "c", ready("c", "3")],
    ]);
    await part.drain();
    const keys = publisher.published.flatMap((p) => p.keys);
    expect(keys).toEqual(["a:1", "dlq:1", "c:3"]);
    expect(publisher.published.at(-1)!.commit.offset).toBe("3");
  });

  it("reports itself stalled after maxPublishFailures failed publishes in a row, and recovers on the next success", async () => {
    const publisher = new FakePublisher();
    publisher.failNext = 3;
    const { part } = await partitionWith(publisher, "0", null, { maxFailures: 2 });
    const admitted = admit(part, [[0, "a", ready("a", "1")]]);
    const seen: boolean[] = [];
    while (publisher.published.length === 0) {
      seen.push(part.stalled);
      await new Promise((r) => setTimeout(r, 100));
    }
    await admitted;
    expect(seen).toContain(true);
    expect(seen[0]).toBe(false);
    expect(part.stalled).toBe(false);
    expect(publisher.attempts).toBe(4);
  }, 10_000);

  it("a minimal dead letter refused as well is an ordinary failure: backed off and reported, never retried in a tight loop", async () => {
    const publisher = new FakePublisher();
    publisher.maxValueBytes = 0;
    const { part } = await partitionWith(publisher, "0", null, { maxFailures: 1 });
    void admit(part, [[0, "a", ready("a", "1")]]);
    await new Promise((r) => setTimeout(r, 300));
    expect(part.stalled).toBe(true);
    // The original outputs, the dead letter, then one backed-off retry at most.
    expect(publisher.attempts).toBeLessThanOrEqual(3);
    await part.close("test over");
  });
});
