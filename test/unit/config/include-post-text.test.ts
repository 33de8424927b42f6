import { Writable } from "node:stream";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";
import type { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { EnginePort, PipelinePolicy, PrefilterPort } from "@arbiter/shared/pipeline/ports.js";
import { PostProcessor, classifyWithRetries } from "@arbiter/shared/pipeline/post-processor.js";

// log.includePostText, end to end: the setting, the logger it configures, and the worker's own log lines.

const POST_TEXT = "a very private post about my neighbour";

/** A logger configured from `log` settings, writing JSON lines into an array. */
function capturedLogger(log: { includePostText?: boolean }) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({ log }, {});
  return { logger: createLogger("test", config.log, sink), lines };
}

const noMetrics = new Proxy({}, { get: () => ({ inc() {}, observe() {}, set() {} }) }) as unknown as WorkerMetrics;
const failingEngine: EnginePort = {
  modelId: "m",
  classify: () => Promise.reject(Object.assign(new Error("model fell over"), { retriable: false })),
  queue: () => ({ depth: 0, capacity: 1, inFlight: 0, sequences: 1 }),
};
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

async function engineFailureLine(log: { includePostText?: boolean }): Promise<Record<string, unknown>> {
  const { logger, lines } = capturedLogger(log);
  const { pipeline } = loadConfig({}, {});
  await classifyWithRetries(
    { engine: failingEngine, pipeline, metrics: noMetrics, logger },
    "p-1",
    POST_TEXT,
    [policy],
    null,
    new AbortController().signal,
    "primary",
  );
  return lines.find((line) => line.msg === "engine call failed")!;
}

async function deadLetterLine(log: { includePostText?: boolean }): Promise<Record<string, unknown>> {
  const { logger, lines } = capturedLogger(log);
  const config = loadConfig({ input: { format: "json" } }, {});
  const unusedPrefilter = {} as PrefilterPort;
  const processor = new PostProcessor({
    codecs: createCodecs(),
    topics: config.kafka.topics,
    input: config.input,
    pipeline: config.pipeline,
    engine: failingEngine,
    prefilter: unusedPrefilter,
    cache: null,
    metrics: noMetrics,
    logger,
  });
  // A JSON post without an id: a dead letter at decoding.
  const value = Buffer.from(JSON.stringify({ text: POST_TEXT }));
  await processor.processBatch([{ topic: "posts", partition: 0, offset: "7", key: null, value, headers: {} }], new AbortController().signal);
  return lines.find((line) => line.msg === "dead letter")!;
}

describe.each([
  ["the engine-failure warning", engineFailureLine],
  ["the dead-letter warning", deadLetterLine],
])("%s", (_name, logLine) => {
  test("keeps the post text out by default", async () => {
    const line = await logLine({});
    expect(line.postText).toBe("[Redacted]");
    expect(JSON.stringify(line)).not.toContain("private post");
  });

  test("carries the post text with log.includePostText", async () => {
    const line = await logLine({ includePostText: true });
    expect(String(line.postText)).toContain(POST_TEXT);
  });
});

describe.each([[false], [true]])("with includePostText %s", (includePostText) => {
  test("credentials and a URL's userinfo are always redacted", () => {
    const { logger, lines } = capturedLogger({ includePostText });
    logger.child({ cache: { url: "redis://user:hunter2@cache:6379/0" } }).warn(
      {
        password: "hunter2",
        token: "t0k3n",
        kafka: { sasl: { mechanism: "plain", username: "u", password: "hunter2" }, secret: "s3cr3t" },
        url: "rediss://:hunter2@cache",
      },
      "connecting",
    );
    const line = lines[0]!;
    expect(JSON.stringify(line)).not.toMatch(/hunter2|t0k3n|s3cr3t/);
    expect(line).toMatchObject({
      password: "[Redacted]",
      token: "[Redacted]",
      kafka: { sasl: "[Redacted]", secret: "[Redacted]" },
      url: "rediss://[Redacted]@cache",
    });
    expect(line.cache).toEqual({ url: "redis://[Redacted]@cache:6379/0" });
  });

  test(`the model's reasoning is ${includePostText ? "kept" : "redacted"}`, () => {
    const { logger, lines } = capturedLogger({ includePostText });
    logger.info({ verdict: { reasoning: "the post mentions a neighbour" } }, "verdict");
    expect((lines[0]!.verdict as { reasoning: string }).reasoning).toBe(includePostText ? "the post mentions a neighbour" : "[Redacted]");
  });
});

test("a URL without userinfo is logged as it is", () => {
  const { logger, lines } = capturedLogger({});
  logger.info({ cache: { url: "redis://cache:6379/0" } }, "cache");
  expect(lines[0]!.cache).toEqual({ url: "redis://cache:6379/0" });
});

test("the older signature, a level alone, still redacts post text", () => {
  const lines: string[] = [];
  const logger = createLogger("old", "info", new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
  logger.info({ postText: POST_TEXT }, "x");
  expect(lines.join("")).not.toContain(POST_TEXT);
});
