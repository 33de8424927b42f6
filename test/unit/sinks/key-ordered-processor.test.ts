import type { InboundRecord } from "@arbiter/shared/pipeline/inbound-record.js";
import { createCodecs } from "@arbiter/shared/pipeline/codecs.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { KeyOrderedProcessor, type RecordHandler } from "@arbiter/shared/sinks/key-ordered-processor.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";

const codecs = createCodecs();
const { topics } = loadConfig({}, {}).kafka;
const deps = { codecs, topics, metrics: new SinkMetrics(), logger: silentLogger };
const record = (key: string, offset: number): InboundRecord => ({ topic: "decisions", partition: 0, offset: String(offset), key: Buffer.from(key), value: Buffer.from("x"), headers: {} });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a key's records run one after another (a slow first one is not overtaken), other keys meanwhile", async () => {
  const events: string[] = [];
  const handler: RecordHandler = {
    handle: (r) => ({
      kind: "deferred",
      run: async () => {
        const name = `${r.key}@${r.offset}`;
        events.push(`start ${name}`);
        await pause(r.offset === "0" ? 60 : 5);
        events.push(`end ${name}`);
        return [];
      },
    }),
  };
  await new KeyOrderedProcessor(handler, deps).processBatch([record("a", 0), record("a", 1), record("b", 2)], new AbortController().signal);
  expect(events.indexOf("end a@0")).toBeLessThan(events.indexOf("start a@1"));
  expect(events.indexOf("end b@2")).toBeLessThan(events.indexOf("end a@0"));
});

test("work that throws becomes a dead letter; on shutdown the error goes up and nothing is committed", async () => {
  const handler: RecordHandler = { handle: () => ({ kind: "deferred", run: () => Promise.reject(Object.assign(new Error("state is not JSON"), { code: "BROKEN" })) }) };
  const outputs = await new KeyOrderedProcessor(handler, deps).processBatch([record("a", 7)], new AbortController().signal);
  expect(outputs.map((o) => o.length)).toEqual([1]);
  const letter = outputs[0]![0]!;
  expect(letter.topic).toBe(topics.dlq);
  expect(codecs.deadLetter.decode(letter.value, letter.headers)).toMatchObject({ offset: "7", errorClass: "Error:BROKEN", errorMessage: "state is not JSON", stage: "process" });
  const stopping = new AbortController();
  stopping.abort(new Error("shutdown"));
  await expect(new KeyOrderedProcessor(handler, deps).processBatch([record("a", 8)], stopping.signal)).rejects.toThrow("state is not JSON");
});
