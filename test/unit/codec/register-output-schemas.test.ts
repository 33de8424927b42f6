import { Writable } from "node:stream";
import { registerOutputSchemas } from "@arbiter/shared/codec/codecs.js";
import { SchemaRegistryRequestError } from "@arbiter/shared/codec/errors/schema-registry-request-error.js";
import { SchemaRegistryUnavailableError } from "@arbiter/shared/codec/errors/schema-registry-unavailable-error.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";

// At start, a registry that cannot answer is asked 5 times in all (500 ms doubling, capped at
// retryMaxMs, no jitter), then the worker stops with the registry's own error.

const { topics } = loadConfig({}, {}).kafka;

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("test", "debug", sink), lines };
}

/** A registry whose compatibility check fails with each of `errors`, then answers "no versions"; register gives id 1. */
function fakeClient(errors: Error[]) {
  const client = {
    url: "http://fake-registry",
    compatibilityCalls: 0,
    async compatibility() {
      client.compatibilityCalls++;
      const error = errors.shift();
      if (error) throw error;
      return { kind: "no-versions" as const };
    },
    register: async () => 1,
    lookup: async () => 1,
  };
  return client;
}

test("a registry down at start is asked 5 times with capped doubling waits, then its last error stops the worker", async () => {
  const errors = Array.from({ length: 5 }, (_, i) => new SchemaRegistryUnavailableError(`down ${i + 1}`));
  const client = fakeClient([...errors]);
  const { logger, lines } = capturedLogger();
  const started = Date.now();
  const failure = await registerOutputSchemas(client, ShippedSchemas.load(), topics, { autoRegister: true, retryMaxMs: 20 }, logger).catch((e: unknown) => e);
  expect(failure).toBe(errors[4]);
  expect(client.compatibilityCalls).toBe(5);
  const warnings = lines.filter((l) => l.msg === "schema registry unavailable at start; trying again");
  expect(warnings.map((l) => [l.attempt, l.retryInMs, l.err])).toEqual([
    [1, 20, "down 1"],
    [2, 20, "down 2"],
    [3, 20, "down 3"],
    [4, 20, "down 4"],
  ]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(75);
});

test("the waits start at 500 ms and double while under retryMaxMs", async () => {
  const client = fakeClient([new SchemaRegistryUnavailableError("down"), new SchemaRegistryUnavailableError("down")]);
  const { logger, lines } = capturedLogger();
  await registerOutputSchemas(client, ShippedSchemas.load(), topics, { autoRegister: true, retryMaxMs: 10_000 }, logger);
  expect(lines.filter((l) => l.msg === "schema registry unavailable at start; trying again").map((l) => l.retryInMs)).toEqual([500, 1000]);
  // Two failures, then one check per output schema.
  expect(client.compatibilityCalls).toBe(2 + lines.filter((l) => l.msg === "output schema registered").length);
});

test("a refusal (not retriable) stops the start at once, without a retry", async () => {
  const refusal = new SchemaRegistryRequestError("schema registry: bad schema", 422);
  const client = fakeClient([refusal]);
  const { logger, lines } = capturedLogger();
  await expect(registerOutputSchemas(client, ShippedSchemas.load(), topics, { autoRegister: true, retryMaxMs: 20 }, logger)).rejects.toBe(refusal);
  expect(client.compatibilityCalls).toBe(1);
  expect(lines.filter((l) => l.msg === "schema registry unavailable at start; trying again")).toEqual([]);
});
