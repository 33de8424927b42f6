import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { Decision } from "@arbiter/shared/codec/records.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { topicNamesSchema } from "@arbiter/shared/kafka/kafka-settings.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { RecordStoreError } from "@arbiter/shared/record/errors/record-store-error.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { RecordSinkHandler } from "@arbiter/shared/sinks/record/record-handler.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { decisionFor } from "../../../support/decisions.js";

const codecs = createCodecs();
const topics = topicNamesSchema.parse({});

/** A store whose writes fail with the given errors, in turn, then succeed. */
function storeFailing(...errors: Error[]) {
  const written: Decision[] = [];
  return {
    written,
    attempts: 0,
    putDecision(decision: Decision) {
      this.attempts++;
      const error = errors.shift();
      if (error) return Promise.reject(error);
      written.push(decision);
      return Promise.resolve();
    },
    putAudit: () => Promise.resolve(),
    putTicket: () => Promise.resolve(),
    putAppeal: () => Promise.resolve(),
  };
}

const handlerWith = (store: ReturnType<typeof storeFailing>) =>
  new RecordSinkHandler("decision", {
    codecs,
    topics,
    store,
    retry: new RetryPolicy({ initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 0 }),
    metrics: new SinkMetrics(),
    logger: silentLogger,
  });

const record = (value: Buffer | null): InboundRecord => ({ topic: topics.decisions, partition: 0, offset: "7", key: Buffer.from("p1"), value, headers: {} });
const decisionRecord = (d: Decision) => {
  const encoded = codecs.decision.encode(d);
  return { ...record(encoded.value), headers: { ...encoded.headers } };
};
const down = () => new RecordStoreError("write decision", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));

test("a write PostgreSQL does not answer is retried until it does: the record finishes only then, with no dead letter", async () => {
  const store = storeFailing(down(), down(), down());
  const decision = decisionFor("p1", "HIDE", "primary");
  const result = handlerWith(store).handle(decisionRecord(decision));
  if (result.kind !== "deferred") throw new Error("expected deferred work");
  await expect(result.run(new AbortController().signal)).resolves.toEqual([]);
  expect(store.attempts).toBe(4);
  expect(store.written.map((d) => d.decisionId)).toEqual([decision.decisionId]);
});

test("on shutdown a waiting write rejects (the record stays uncommitted) instead of becoming a dead letter", async () => {
  const store = storeFailing(...Array.from({ length: 1000 }, down));
  const result = handlerWith(store).handle(decisionRecord(decisionFor("p1", "HIDE", "primary")));
  if (result.kind !== "deferred") throw new Error("expected deferred work");
  const stop = new AbortController();
  const running = result.run(stop.signal);
  await new Promise((resolve) => setTimeout(resolve, 30));
  stop.abort(new Error("shutdown"));
  await expect(running).rejects.toThrow("shutdown");
  expect(store.written).toHaveLength(0);
});

test("a write PostgreSQL refuses for its data is a dead letter, tried once", async () => {
  const store = storeFailing(new RecordStoreError("write decision", Object.assign(new Error("invalid input syntax"), { code: "22P02" })));
  const result = handlerWith(store).handle(decisionRecord(decisionFor("p1", "HIDE", "primary")));
  if (result.kind !== "deferred") throw new Error("expected deferred work");
  const outputs = await result.run(new AbortController().signal);
  expect(outputs.map((o) => o.topic)).toEqual([topics.dlq]);
  expect(store.attempts).toBe(1);
});

test("a tombstone (erasure) is nothing to store; an undecodable record is a dead letter", () => {
  const store = storeFailing();
  expect(handlerWith(store).handle(record(null))).toEqual({ kind: "ready", outputs: [] });
  const bad = handlerWith(store).handle(record(Buffer.from("not avro")));
  expect(bad.kind === "ready" && bad.outputs.map((o) => o.topic)).toEqual([topics.dlq]);
  expect(store.attempts).toBe(0);
});
