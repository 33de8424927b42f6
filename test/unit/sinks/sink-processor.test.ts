import { loadConfig } from "@arbiter/shared/config/load-config.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { SinkProcessor, type RecordHandler } from "@arbiter/shared/sinks/sink-processor.js";

const codecs = createCodecs();
const { topics } = loadConfig({}, {}).kafka;
const deps = { codecs, topics, metrics: new SinkMetrics(), logger: silentLogger };
const record = (offset: number): InboundRecord => ({
  topic: "decisions",
  partition: 0,
  offset: String(offset),
  key: Buffer.from("post-1"),
  value: Buffer.from("x"),
  headers: {},
});

test("ready results pass through; deferred work runs when the runner starts it", async () => {
  let ran = 0;
  const handler: RecordHandler = { handle: (r) => (r.offset === "0" ? { kind: "ready", outputs: [] } : { kind: "deferred", run: async () => (ran++, []) }) };
  const results = await new SinkProcessor(handler, deps).processBatch([record(0), record(1)]);
  expect(results.map((r) => r.kind)).toEqual(["ready", "deferred"]);
  expect(ran).toBe(0);
  if (results[1]!.kind === "deferred") expect(await results[1]!.run(new AbortController().signal)).toEqual([]);
  expect(ran).toBe(1);
});

test("deferred work that throws becomes a dead letter (an unfinished record would hold the partition's commits); on shutdown the error goes up", async () => {
  const handler: RecordHandler = {
    handle: () => ({ kind: "deferred", run: () => Promise.reject(Object.assign(new Error("state is not JSON"), { code: "BROKEN" })) }),
  };
  const [result] = await new SinkProcessor(handler, deps).processBatch([record(7)]);
  if (result!.kind !== "deferred") throw new Error("expected deferred work");
  const [letter] = await result!.run(new AbortController().signal);
  expect(letter!.topic).toBe(topics.dlq);
  expect(codecs.deadLetter.decode(letter!.value, letter!.headers)).toMatchObject({
    offset: "7",
    errorClass: "Error:BROKEN",
    errorMessage: "state is not JSON",
    stage: "process",
  });
  const stopping = new AbortController();
  stopping.abort(new Error("shutdown"));
  await expect(result!.run(stopping.signal)).rejects.toThrow("state is not JSON");
});
