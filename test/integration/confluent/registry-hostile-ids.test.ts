import { randomInt } from "node:crypto";
import { confluentFrame } from "@arbiter/shared/codec/confluent-wire.js";
import { SchemaRegistryClient } from "@arbiter/shared/codec/schema-registry-client.js";
import { WriterSchemaCache } from "@arbiter/shared/codec/writer-schema-cache.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { schemaRegistryUrl } from "../../support/env.js";
import { ecosystemRegistry, registerProducerSchema } from "../../support/confluent.js";
import { testNamespace } from "../../support/namespace.js";

// Crafted writer schema ids and oversized answers against the real Schema Registry: what the
// worker's cache asks, notes and forgets. (confluent-input.test.ts shows the dead letters they make.)
const ns = testNamespace("registry hostile ids");
const clients: SchemaRegistryClient[] = [];
afterAll(() => clients.forEach((c) => c.close()));

/** The real client, counting the fetches of each id. */
function countingClient(maxResponseBytes?: number) {
  const client = new SchemaRegistryClient({ url: schemaRegistryUrl, timeoutMs: 5000, ...(maxResponseBytes ? { maxResponseBytes } : {}) });
  clients.push(client);
  const calls: number[] = [];
  return {
    calls,
    url: client.url,
    schemaById: (id: number, signal?: AbortSignal) => {
      calls.push(id);
      return client.schemaById(id, signal);
    },
  };
}

const framed = (...ids: number[]) => ids.map((id) => ({ value: confluentFrame(id, Buffer.from([0])) }));
const never = new AbortController().signal;
/** Ids far above anything this registry has handed out. */
const craftedIds = (n: number) => Array.from({ length: n }, (_, i) => 3_000_000_000 + randomInt(1_000_000) * 100 + i);

test("crafted ids: asked notFoundAttempts times, noted for unknownIdTtlMs, at most unknownIdCacheSize of them", async () => {
  let now = Date.now();
  const registry = countingClient();
  const cache = new WriterSchemaCache(
    registry,
    { notFoundAttempts: 2, retryMaxMs: 500, unknownIdTtlMs: 60_000, unknownIdCacheSize: 5, now: () => now },
    silentLogger,
  );
  const ids = craftedIds(8);
  // One chunk holding each id twice: one fetch per id (asked twice), each noted.
  const notes = await cache.notesFor(framed(...ids.slice(0, 3), ...ids.slice(0, 3)), never);
  expect(notes.map((n) => ("code" in n ? n.code : "schema"))).toEqual(["UNKNOWN_SCHEMA_ID", "UNKNOWN_SCHEMA_ID", "UNKNOWN_SCHEMA_ID"]);
  // Then one id a chunk, so the order they are noted in is known.
  for (const id of ids.slice(3)) await cache.notesFor(framed(id), never);
  expect(registry.calls).toHaveLength(16);
  expect(cache.unknownCount).toBe(5);

  // Within the TTL the last five are not asked again; the first three were pushed out (oldest first).
  registry.calls.length = 0;
  await cache.notesFor(framed(...ids.slice(3)), never);
  expect(registry.calls).toEqual([]);
  await cache.notesFor(framed(ids[0]!), never);
  expect(registry.calls).toEqual([ids[0], ids[0]]);

  // Past the TTL an id is asked again (it may have been registered since).
  now += 60_000;
  registry.calls.length = 0;
  await cache.notesFor(framed(ids[7]!), never);
  expect(registry.calls).toEqual([ids[7], ids[7]]);
}, 60_000);

test("an answer over maxResponseBytes is refused: SCHEMA_REGISTRY_REFUSED after notFoundAttempts, not waited on", async () => {
  // A producer's schema of about 6 KB, registered for real.
  const fields = Array.from({ length: 120 }, (_, i) => ({ name: `field_with_a_long_name_${i}`, type: "string", default: "" }));
  const id = await registerProducerSchema(ecosystemRegistry(schemaRegistryUrl), `${ns.topic("big")}-value`, {
    type: "record",
    name: "Big",
    namespace: "com.example",
    fields,
  });
  const small = countingClient(4096);
  const refused = new WriterSchemaCache(small, { notFoundAttempts: 2, retryMaxMs: 500 }, silentLogger);
  const started = Date.now();
  const [note] = await refused.notesFor(framed(id), never);
  expect(note).toMatchObject({
    id,
    code: "SCHEMA_REGISTRY_REFUSED",
    reason: expect.stringMatching(/over 4096 \(schemaRegistry\.maxResponseBytes\); asked 2 times$/),
  });
  expect(small.calls).toEqual([id, id]);
  expect(Date.now() - started).toBeLessThan(5000);

  const roomy = countingClient();
  const [read] = await new WriterSchemaCache(roomy, { notFoundAttempts: 2, retryMaxMs: 500 }, silentLogger).notesFor(framed(id), never);
  expect(read).toHaveProperty("schema");
}, 60_000);
