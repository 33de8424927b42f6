import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "@arbiter/shared/kafka/record-processor.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { PostRecorder, type PostRecords } from "@arbiter/shared/pipeline/post-records.js";

// The recorder wraps the primary's processor: what it hands the stream runner must keep the inner
// result's order key (the post id), or a thread-keyed topic is ordered by thread again.

const topics = loadConfig({}, {}).kafka.topics;
const record = (offset: number): InboundRecord => ({
  topic: "posts",
  partition: 0,
  offset: String(offset),
  key: Buffer.from("thread-1"),
  value: Buffer.from("v"),
  headers: {},
});

test("the recorder keeps each result's order key, ready or deferred, and still returns the deferred outputs", async () => {
  const out = { topic: "elsewhere", key: "p2", value: Buffer.from("x"), headers: {} };
  const inner: RecordProcessor = {
    processBatch: async (): Promise<RecordResult[]> => [
      { kind: "ready", outputs: [], orderKey: "p1" },
      { kind: "deferred", run: async () => [out], orderKey: "p2" },
      { kind: "deferred", run: async () => [] },
    ],
  };
  const unused = { record: () => Promise.reject(new Error("no decision here acts")) } as unknown as PostRecords;
  const recorder = new PostRecorder(inner, unused, { codecs: createCodecs(), topics, logger: silentLogger }, () => {
    throw new Error("no post is read");
  });
  const results = await recorder.processBatch([record(0), record(1), record(2)], new AbortController().signal);
  expect(results.map((r) => [r.kind, r.orderKey])).toEqual([
    ["ready", "p1"],
    ["deferred", "p2"],
    ["deferred", undefined],
  ]);
  const deferred = results[1]!;
  if (deferred.kind !== "deferred") throw new Error("expected a deferred result");
  await expect(deferred.run(new AbortController().signal)).resolves.toEqual([out]);
});
