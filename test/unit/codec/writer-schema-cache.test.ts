import { confluentFrame } from "@arbiter/shared/codec/confluent-wire.js";
import { SchemaRegistryUnavailableError } from "@arbiter/shared/codec/errors/schema-registry-unavailable-error.js";
import { SchemaNotFoundError } from "@arbiter/shared/codec/errors/schema-not-found-error.js";
import { SchemaRegistryRequestError } from "@arbiter/shared/codec/errors/schema-registry-request-error.js";
import type { RegisteredSchema } from "@arbiter/shared/codec/schema-registry-client.js";
import { WriterSchemaCache } from "@arbiter/shared/codec/writer-schema-cache.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";

/** A fake registry client: answers each fetch of an id with the next of its scripted answers. */
function fakeRegistry(script: Record<number, Array<"schema" | "404" | "down" | "protobuf" | "400" | "500" | "503">>) {
  const calls: number[] = [];
  return {
    calls,
    url: "http://fake-registry",
    async schemaById(id: number, signal?: AbortSignal): Promise<RegisteredSchema> {
      calls.push(id);
      await new Promise((r) => setTimeout(r, 5));
      if (signal?.aborted) throw signal.reason;
      const answers = script[id] ?? ["404"];
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer === "404") throw new SchemaNotFoundError(id, `the schema registry has no schema with id ${id}`);
      if (answer === "down") throw new SchemaRegistryUnavailableError("cannot reach the schema registry: ECONNREFUSED");
      if (answer === "400") throw new SchemaRegistryRequestError(`GET /schemas/ids/${id} answered 400`, 400);
      if (answer === "500" || answer === "503") throw new SchemaRegistryUnavailableError(`answered ${answer}`, Number(answer));
      return { id, schemaType: answer === "protobuf" ? "PROTOBUF" : "AVRO", schema: `{"type":"record","name":"S${id}","fields":[]}` };
    },
  };
}

const records = (...ids: number[]) => ids.map((id) => ({ value: confluentFrame(id, Buffer.from([0])) }));
const never = new AbortController().signal;

test("each distinct id of a chunk is fetched once, however many records and callers ask; unframed values are left alone", async () => {
  const registry = fakeRegistry({ 1: ["schema"], 2: ["schema"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 3, retryMaxMs: 1000 }, silentLogger);
  const chunk = [...records(1, 1, 2, 1), { value: Buffer.from("{}") }, { value: null }];
  const [a, b] = await Promise.all([cache.notesFor(chunk, never), cache.notesFor(records(2, 1), never)]);
  expect(a.map((n) => n.id).sort()).toEqual([1, 2]);
  expect(b.map((n) => n.id).sort()).toEqual([1, 2]);
  expect(registry.calls.sort()).toEqual([1, 2]);
  expect(cache.known(1)).toEqual({ id: 1, schema: '{"type":"record","name":"S1","fields":[]}' });
  await cache.notesFor(records(1), never);
  expect(registry.calls).toHaveLength(2);
});

test("an id the registry does not know is asked notFoundAttempts times, then noted (its posts become dead letters)", async () => {
  const registry = fakeRegistry({ 9: ["404"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 3, retryMaxMs: 1000 }, silentLogger);
  const [note] = await cache.notesFor(records(9), never);
  expect(note).toEqual({ id: 9, code: "UNKNOWN_SCHEMA_ID", reason: "the schema registry has no schema with id 9; asked 3 times" });
  expect(registry.calls).toEqual([9, 9, 9]);
});

test("a 404 that turns into a schema on a later attempt (a lagging replica) is read", async () => {
  const registry = fakeRegistry({ 4: ["404", "schema"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 3, retryMaxMs: 1000 }, silentLogger);
  expect((await cache.notesFor(records(4), never))[0]).toHaveProperty("schema");
});

test("an unknown id is asked again once its note has expired", async () => {
  let now = 1_000_000;
  const registry = fakeRegistry({ 5: ["404", "schema"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 1, retryMaxMs: 1000, now: () => now }, silentLogger);
  expect((await cache.notesFor(records(5), never))[0]).toHaveProperty("code", "UNKNOWN_SCHEMA_ID");
  expect(cache.known(5)).toBeDefined();
  now += 61_000;
  expect(cache.known(5)).toBeUndefined();
  expect((await cache.notesFor(records(5), never))[0]).toHaveProperty("schema");
});

test("a schema that is not Avro is noted as incompatible", async () => {
  const cache = new WriterSchemaCache(fakeRegistry({ 6: ["protobuf"] }), { notFoundAttempts: 3, retryMaxMs: 1000 }, silentLogger);
  expect((await cache.notesFor(records(6), never))[0]).toEqual({
    id: 6,
    code: "INCOMPATIBLE_SCHEMA",
    reason: "writer schema 6 is a PROTOBUF schema, not Avro",
  });
});

test("while the registry is down the chunk waits, however long, and gets its schema when the registry answers again", async () => {
  const registry = fakeRegistry({ 7: ["down", "down", "down", "down", "schema"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 1, retryMaxMs: 600 }, silentLogger);
  const started = Date.now();
  const [note] = await cache.notesFor(records(7), never);
  expect(note).toHaveProperty("schema");
  expect(registry.calls).toEqual([7, 7, 7, 7, 7]);
  // 500 + 600 + 600 + 600 ms of waiting (capped at retryMaxMs): it waited rather than dead-lettering.
  expect(Date.now() - started).toBeGreaterThanOrEqual(2200);
});

test("a waiting chunk is released by its signal (shutdown, a revoked partition), and the fetch goes on for others; close stops it", async () => {
  const registry = fakeRegistry({ 8: ["down"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 1, retryMaxMs: 100 }, silentLogger);
  const controller = new AbortController();
  const first = cache.notesFor(records(8), controller.signal);
  const second = cache.notesFor(records(8), never);
  setTimeout(() => controller.abort(new Error("partition revoked")), 50);
  await expect(first).rejects.toThrow("partition revoked");
  const callsAfterAbort = registry.calls.length;
  await new Promise((r) => setTimeout(r, 300));
  expect(registry.calls.length).toBeGreaterThan(callsAfterAbort);
  cache.close();
  await expect(second).rejects.toThrow("writer schema cache closed");
});

test("an outage between 404s does not reset their count: the id is noted after notFoundAttempts 404s in all", async () => {
  const registry = fakeRegistry({ 3: ["404", "down", "404", "404", "schema"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 3, retryMaxMs: 100 }, silentLogger);
  const [note] = await cache.notesFor(records(3), never);
  expect(note).toEqual({ id: 3, code: "UNKNOWN_SCHEMA_ID", reason: "the schema registry has no schema with id 3; asked 3 times" });
  expect(registry.calls).toEqual([3, 3, 3, 3]);
});

test("a refusal (400) or a failure of the registry's own (500) is asked notFoundAttempts times, then noted: its posts dead-letter", async () => {
  const registry = fakeRegistry({ 11: ["400"], 12: ["500"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 2, retryMaxMs: 100 }, silentLogger);
  const notes = await cache.notesFor(records(11, 12), never);
  expect(notes).toEqual([
    { id: 11, code: "SCHEMA_REGISTRY_REFUSED", reason: "GET /schemas/ids/11 answered 400; asked 2 times" },
    { id: 12, code: "SCHEMA_REGISTRY_REFUSED", reason: "answered 500; asked 2 times" },
  ]);
  expect(registry.calls.sort()).toEqual([11, 11, 12, 12]);
});

test("a 503 (the registry or its gateway down) is waited out, not counted against the id", async () => {
  const registry = fakeRegistry({ 13: ["503", "503", "503", "schema"] });
  const cache = new WriterSchemaCache(registry, { notFoundAttempts: 1, retryMaxMs: 100 }, silentLogger);
  expect((await cache.notesFor(records(13), never))[0]).toHaveProperty("schema");
  expect(registry.calls).toHaveLength(4);
});

test("unknown ids are noted for unknownIdTtlMs and at most unknownIdCacheSize at once, oldest out first; known schemas stay", async () => {
  let now = 1_000_000;
  const registry = fakeRegistry({ 1: ["schema"] });
  const cache = new WriterSchemaCache(
    registry,
    { notFoundAttempts: 1, retryMaxMs: 100, unknownIdTtlMs: 5000, unknownIdCacheSize: 3, now: () => now },
    silentLogger,
  );
  await cache.notesFor(records(1), never);
  for (let id = 100; id < 110; id++) await cache.notesFor(records(id), never);
  expect(cache.unknownCount).toBe(3);
  expect(cache.known(100)).toBeUndefined();
  expect(cache.known(109)).toMatchObject({ code: "UNKNOWN_SCHEMA_ID" });
  expect(cache.known(1)).toHaveProperty("schema");
  now += 5000;
  expect(cache.known(109)).toBeUndefined();
  expect(cache.unknownCount).toBe(2);
  await cache.notesFor(records(109), never);
  expect(registry.calls.filter((id) => id === 109)).toHaveLength(2);
  expect(cache.known(1)).toHaveProperty("schema");
});
