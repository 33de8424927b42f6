import { Writable } from "node:stream";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { EngineOutputError, EngineTimeoutError } from "@arbiter/shared/engine/errors/index.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import type { EnginePort, ModelVerdict, PipelinePolicy } from "@arbiter/shared/pipeline/ports.js";
import { classifyWithRetries } from "@arbiter/shared/pipeline/post-processor.js";

// Engine attempts: a retriable error is tried again at once (no wait) up to pipeline.engineAttempts;
// a non-retriable one, or an abort, ends at once; the last error is each policy's failure outcome.

const policy: PipelinePolicy = {
  id: "spam",
  version: "v1",
  body: "No spam.",
  reasoningEffort: "low",
  escalationThreshold: 0.5,
  escalateRuleIds: new Set(),
  ruleIds: [],
  onViolate: "hide",
  page: false,
};
const verdict: ModelVerdict = {
  policyId: "spam",
  policyVersion: "v1",
  decision: "allow",
  ruleIds: [],
  rationale: "",
  confidence: 0.9,
  reasoning: "",
  promptTokens: 1,
  generatedTokens: 1,
  latencyMs: 1,
};

/** An engine that fails with each of `errors` in turn, then answers with `verdict`. */
function scriptedEngine(errors: Error[], onCall: () => void = () => undefined) {
  const engine: EnginePort & { calls: number } = {
    modelId: "m",
    calls: 0,
    async classify() {
      engine.calls++;
      onCall();
      const error = errors.shift();
      if (error) throw error;
      return [verdict];
    },
    queue: () => ({ depth: 0, capacity: 1, inFlight: 0, sequences: 1 }),
  };
  return engine;
}

async function classify(engine: EnginePort, engineAttempts: number, signal = new AbortController().signal) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  const { pipeline } = loadConfig({ pipeline: { engineAttempts } }, {});
  const metrics = new WorkerMetrics();
  const started = Date.now();
  const outcomes = await classifyWithRetries(
    { engine, pipeline, metrics, logger: createLogger("test", "debug", sink) },
    "p-1",
    "text",
    [policy],
    null,
    signal,
    "primary",
  );
  const failures = lines.filter((l) => l.msg === "engine call failed").map((l) => [l.attempt, l.retriable, l.err]);
  const errorCount = (await metrics.engineErrors.get()).values.reduce((sum, v) => sum + v.value, 0);
  return { outcomes, failures, errorCount, ms: Date.now() - started };
}

test("retriable errors are tried again at once up to engineAttempts; the last is the outcome", async () => {
  const engine = scriptedEngine([new EngineTimeoutError(10), new EngineTimeoutError(20), new EngineTimeoutError(30)]);
  const { outcomes, failures, errorCount, ms } = await classify(engine, 3);
  expect(engine.calls).toBe(3);
  expect(outcomes).toEqual([
    { kind: "failure", policyId: "spam", errorClass: "EngineTimeoutError", message: "classification did not finish within 30 ms", attempts: 3 },
  ]);
  expect(failures).toEqual([
    [1, true, "classification did not finish within 10 ms"],
    [2, true, "classification did not finish within 20 ms"],
    [3, true, "classification did not finish within 30 ms"],
  ]);
  expect(errorCount).toBe(3);
  expect(ms).toBeLessThan(250);
});

test("a retriable error then a verdict gives the model's verdict", async () => {
  const engine = scriptedEngine([new EngineTimeoutError(10)]);
  const { outcomes, failures } = await classify(engine, 2);
  expect(engine.calls).toBe(2);
  expect(outcomes).toEqual([{ kind: "model", policyId: "spam", verdict }]);
  expect(failures).toHaveLength(1);
});

test("a non-retriable error ends at once", async () => {
  const engine = scriptedEngine([new EngineOutputError("unparsable", "{")]);
  const { outcomes, failures } = await classify(engine, 5);
  expect(engine.calls).toBe(1);
  expect(outcomes).toEqual([
    { kind: "failure", policyId: "spam", errorClass: "EngineOutputError", message: "model output is not a valid verdict: unparsable", attempts: 1 },
  ]);
  expect(failures).toEqual([[1, false, "model output is not a valid verdict: unparsable"]]);
});

test("an abort ends the attempts with the last engine error as the outcome, not a throw", async () => {
  const abort = new AbortController();
  const engine = scriptedEngine([new EngineTimeoutError(10), new EngineTimeoutError(20)], () => abort.abort(new Error("shutdown")));
  const { outcomes } = await classify(engine, 5, abort.signal);
  expect(engine.calls).toBe(1);
  expect(outcomes).toEqual([
    { kind: "failure", policyId: "spam", errorClass: "EngineTimeoutError", message: "classification did not finish within 10 ms", attempts: 1 },
  ]);
});
