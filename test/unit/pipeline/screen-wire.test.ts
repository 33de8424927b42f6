import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { ScreenResult } from "@arbiter/shared/pipeline/post-screen.js";
import { packRecords, packResults, unpackRecords, unpackResults } from "@arbiter/shared/pipeline/screen-wire.js";

/** Sends through a real MessageChannel with the transfer list, as the pool does. */
async function viaChannel<T>(message: T, transfer: ArrayBuffer[]): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  try {
    const received = new Promise<T>((resolve) => port2.once("message", resolve));
    port1.postMessage(message, transfer);
    return await received;
  } finally {
    port1.close();
    port2.close();
  }
}

const plain = (r: InboundRecord) => ({
  ...r,
  key: r.key?.toString("hex") ?? null,
  value: r.value?.toString("hex") ?? null,
  headers: Object.fromEntries(
    Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => (x === null ? null : String(x))) : v === null ? null : String(v)]),
  ),
});

test("records cross packed: null and empty keys and values, binary bytes, unicode, repeated and string headers", async () => {
  const records: InboundRecord[] = [
    { topic: "posts", partition: 2, offset: "10", key: Buffer.from("p-1"), value: Buffer.from([0, 1, 2, 255]), headers: { fp: Buffer.from("ab") } },
    { topic: "posts", partition: 2, offset: "11", key: null, value: null, headers: {} },
    {
      topic: "posts",
      partition: 2,
      offset: "13",
      key: Buffer.alloc(0),
      value: Buffer.alloc(0),
      headers: { "träce-ïd": "ünïcode ✓", multi: [Buffer.from("one"), "two"], gone: undefined },
    },
    // A value that is a view into a larger pooled buffer, as kafkajs hands them out.
    {
      topic: "posts",
      partition: 2,
      offset: "9007199254740993",
      key: Buffer.from("键"),
      value: Buffer.from("xxhello worldxx").subarray(2, 13),
      headers: { fp: Buffer.from("cd") },
    },
  ];
  const [packed, transfer] = packRecords(records);
  const received = unpackRecords(await viaChannel(packed, transfer));
  expect(received.map(plain)).toEqual(
    records.map((r) => plain({ ...r, headers: Object.fromEntries(Object.entries(r.headers).filter(([, v]) => v !== undefined)) })),
  );
  expect(received.every((r) => r.value === null || Buffer.isBuffer(r.value))).toBe(true);
  // Kafka allows a null header value (kafkajs gives null), and a header may be called __proto__.
  const odd: InboundRecord = {
    topic: "posts",
    partition: 2,
    offset: "20",
    key: null,
    value: Buffer.from("v"),
    headers: { "x-null": null, multi: [Buffer.from("a"), null] },
  };
  Object.defineProperty(odd.headers, "__proto__", { value: Buffer.from("p"), enumerable: true });
  const [oddPacked, oddTransfer] = packRecords([odd]);
  const [oddBack] = unpackRecords(await viaChannel(oddPacked, oddTransfer));
  expect(oddBack!.headers["x-null"]).toBeNull();
  expect(oddBack!.headers["multi"]).toEqual([Buffer.from("a"), null]);
  expect(Object.keys(oddBack!.headers).sort()).toEqual(["__proto__", "multi", "x-null"]);
  expect(String(Object.getOwnPropertyDescriptor(oddBack!.headers, "__proto__")?.value)).toBe("p");
  // The sender's buffers were moved, not copied.
  expect(packed.bytes.byteLength).toBe(0);
  // An offset past 2^53 makes the chunk send its offsets as strings; smaller ones cross as numbers.
  expect(Array.isArray(packed.offsets)).toBe(true);
  const [small, smallTransfer] = packRecords(records.slice(0, 3));
  expect(small.offsets).toBeInstanceOf(Float64Array);
  expect(unpackRecords(await viaChannel(small, smallTransfer)).map((r) => r.offset)).toEqual(["10", "11", "13"]);
});

test("a chunk that spans partitions is refused, not silently mislabelled", () => {
  const r = (partition: number): InboundRecord => ({ topic: "posts", partition, offset: "1", key: null, value: null, headers: {} });
  expect(() => packRecords([r(0), r(1)])).toThrow(/one topic-partition/);
});

test("results cross packed, in input order, with shared Buffer headers", async () => {
  const codecs = createCodecs();
  const decision = (id: string) => ({
    topic: "decisions",
    key: id,
    ...codecs.post.encode({ id, forumId: "f", authorId: "a", text: `text of ${id}`, language: null, createdAt: 1, metadata: {}, threadId: null }),
  });
  const toModel: ScreenResult = {
    kind: "to-model",
    post: { id: "m", forumId: "f", authorId: "a", text: "t", language: null, createdAt: 1, metadata: { k: "v" }, threadId: null },
    policySetVersion: "v1",
    policyIds: ["a", "b"],
    toModel: ["b"],
    modelText: "t",
    truncated: false,
    cacheText: "t",
    screenMs: 0.5,
  };
  const results: ScreenResult[] = [
    { kind: "decided", records: [decision("d1")], stage: "prefilter", action: "ALLOW" },
    toModel,
    {
      kind: "dead-letter",
      records: [{ topic: "dlq", key: null, value: Buffer.from([9, 9]), headers: { fp: "x" } }],
      reason: "BAD",
      errorClass: "DecodeError",
      message: "truncated: ✗",
    },
    { kind: "decided", records: [decision("d2"), { topic: "audit", key: "d2", value: Buffer.alloc(0), headers: {} }], stage: "primary", action: "HIDE" },
    toModel,
  ];
  // What was screened: d1's key is its post id (the outbound key is not sent again); the others differ or are null.
  const inbound: InboundRecord[] = ["d1", null, "x", "not-d2", null].map((key, i) => ({
    topic: "posts",
    partition: 0,
    offset: String(i),
    key: key === null ? null : Buffer.from(key),
    value: null,
    headers: {},
  }));
  const [packed, transfer] = packResults(results, inbound);
  const received = unpackResults(await viaChannel(packed, transfer), inbound);
  const plainOut = (r: ScreenResult) =>
    r.kind === "to-model"
      ? r
      : {
          ...r,
          records: r.records.map((o) => ({
            ...o,
            key: o.key?.toString() ?? null,
            value: o.value.toString("hex"),
            headers: Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k, String(v)])),
          })),
        };
  expect(received.map(plainOut)).toEqual(results.map(plainOut));
  const [d1, , , d2] = received as Array<Extract<ScreenResult, { kind: "decided" }>>;
  expect(d1!.records[0]!.key).toBe(inbound[0]!.key);
  expect(Buffer.isBuffer(d2!.records[0]!.key)).toBe(true);
  expect(d2!.records[0]!.key).not.toBe(inbound[3]!.key);
  expect(Buffer.isBuffer(d1!.records[0]!.headers["arbiter-schema-fp"])).toBe(true);
  expect(d1!.records[0]!.headers).toBe(d2!.records[0]!.headers);
  expect(codecs.post.decode(d2!.records[0]!.value, d2!.records[0]!.headers).text).toBe("text of d2");
});
