// A screen thread: decode -> validate -> prefilter -> prefilter decisions, off the main thread
// that runs kafkajs. Started by ScreenPool; talks in ScreenRequest/ScreenResponse messages.
import { parentPort, workerData } from "node:worker_threads";
import { loadPolicySet } from "../policy/load-policy-dir.js";
import { PolicySet } from "../policy/policy-set.js";
import { createCodecs } from "./codecs.js";
import type { InboundRecord } from "./inbound-record.js";
import { PolicyBook } from "./policy-book.js";
import { screenRecord, type ScreenDeps, type ScreenResult } from "./post-screen.js";
import { asBuffer, type ScreenReady, type ScreenRequest, type ScreenResponse, type ScreenWorkerInit } from "./screen-messages.js";

const init = workerData as ScreenWorkerInit;
const port = parentPort!;

function revive(record: InboundRecord): InboundRecord {
  const headers: InboundRecord["headers"] = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    headers[name] = Array.isArray(value) ? value.map((v) => (typeof v === "string" ? v : asBuffer(v))) : typeof value === "string" || value === undefined ? value : asBuffer(value);
  }
  return { ...record, key: asBuffer(record.key), value: asBuffer(record.value), headers };
}

try {
  let set = await loadPolicySet(init.policiesDir);
  if (init.only.length > 0) set = new PolicySet(set.policies.filter((p) => init.only.includes(p.id)));
  if (set.version !== init.policySetVersion) throw new Error(`policy set ${set.version} differs from the main thread's ${init.policySetVersion}`);
  const deps: ScreenDeps = {
    codecs: createCodecs(),
    topics: init.topics,
    input: init.input,
    prefilter: new PolicyBook(set, { maxModelChars: init.maxModelChars }),
    now: Date.now,
  };
  port.on("message", (request: ScreenRequest) => {
    let response: ScreenResponse;
    try {
      const results: ScreenResult[] = request.records.map((r) => screenRecord(revive(r), deps));
      response = { id: request.id, results };
    } catch (error) {
      response = { id: request.id, error: (error as Error).stack ?? String(error) };
    }
    port.postMessage(response);
  });
  port.postMessage({ ready: true } satisfies ScreenReady);
} catch (error) {
  port.postMessage({ ready: false, error: (error as Error).message } satisfies ScreenReady);
}
