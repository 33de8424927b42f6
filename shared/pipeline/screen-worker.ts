// A screen thread: decode -> validate -> prefilter -> prefilter decisions, off the main thread
// that runs kafkajs. Started by ScreenPool (built: this module is the thread's entry; from
// sources, screen-thread.mjs registers tsx first); talks in ScreenRequest/ScreenResponse messages.
import { parentPort, workerData } from "node:worker_threads";
import { ConfluentPostDecoder } from "../codec/confluent-post-decoder.js";
import { ShippedSchemas } from "../codec/shipped-schemas.js";
import type { WriterSchemaNote } from "../codec/writer-schema-cache.js";
import { PolicySet } from "../policy/policy-set.js";
import { createCodecs } from "../codec/codecs.js";
import { PolicyPrefilter } from "./policy-prefilter.js";
import { screenRecord, type ScreenDeps, type ScreenResult } from "./post-screen.js";
import type { ScreenPoliciesApplied, ScreenPolicyUpdate, ScreenReady, ScreenRequest, ScreenResponse, ScreenWorkerInit } from "./screen-messages.js";
import { packResults, unpackRecords } from "./screen-wire.js";

const init = workerData as ScreenWorkerInit;
const port = parentPort!;
/** [request id, record index]: what this thread is screening, read by the pool when it finds the thread hung. */
const progress = init.progress ? new Int32Array(init.progress) : undefined;

try {
  const set = new PolicySet(init.policies);
  if (set.version !== init.policySetVersion) throw new Error(`policy set ${set.version} differs from the main thread's ${init.policySetVersion}`);
  const registry = ShippedSchemas.load();
  // Writer schemas by registry id, as the main thread fetched them and sends them with the chunks.
  const writerSchemas = new Map<number, WriterSchemaNote>();
  const policyPrefilter = new PolicyPrefilter(set, {
    maxModelChars: init.maxModelChars,
    // Unused here: a screen thread calls no model; the main thread's prefilter gives the efforts of the policies sent to it.
    defaultEffort: "medium",
  });
  const deps: ScreenDeps = {
    codecs: createCodecs(registry, init.outputSchemaIds ?? null),
    topics: init.topics,
    input: init.input,
    confluentPosts:
      init.input.format === "confluent-avro" ? new ConfluentPostDecoder(registry.version("post"), init.input.fieldMap, (id) => writerSchemas.get(id)) : null,
    prefilter: policyPrefilter,
    now: Date.now,
  };
  port.on("message", (message: ScreenRequest | ScreenPolicyUpdate) => {
    if ("kind" in message) {
      // Messages arrive in order: every chunk after this one is screened under the new set.
      let applied: ScreenPoliciesApplied;
      try {
        const next = new PolicySet(message.policies);
        if (next.version !== message.policySetVersion) throw new Error(`policy set ${next.version} differs from the main thread's ${message.policySetVersion}`);
        policyPrefilter.update(next);
        applied = { policiesApplied: next.version };
      } catch (error) {
        applied = { policiesApplied: null, error: (error as Error).message };
      }
      port.postMessage(applied);
      return;
    }
    const request = message;
    let response: ScreenResponse;
    let transfer: ArrayBuffer[] = [];
    try {
      if (request.schemas) for (const note of request.schemas) writerSchemas.set(note.id, note);
      const records = unpackRecords(request.records);
      const results: ScreenResult[] = records.map((r, i) => {
        if (progress) {
          Atomics.store(progress, 0, request.id);
          Atomics.store(progress, 1, i);
        }
        return screenRecord(r, deps);
      });
      if (progress) Atomics.store(progress, 1, -1);
      const [packed, buffers] = packResults(results, records);
      response = { id: request.id, results: packed };
      transfer = buffers;
    } catch (error) {
      response = { id: request.id, error: (error as Error).stack ?? String(error) };
    }
    port.postMessage(response, transfer);
  });
  port.postMessage({ ready: true } satisfies ScreenReady);
} catch (error) {
  port.postMessage({ ready: false, error: (error as Error).message } satisfies ScreenReady);
}
