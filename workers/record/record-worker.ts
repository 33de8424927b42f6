import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { isRetriable } from "@arbiter/shared/errors/arbiter-error.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { RecordSinkHandler, type RecordSinkDeps } from "@arbiter/shared/sinks/record/record-handler.js";
import { sinkParts, startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";

/**
 * Wires config → the store, a consumer per topic (decisions, audit, tickets, appeals; one group,
 * `record.groupId`, with the topic appended) and the retention job; starts consuming. PostgreSQL
 * down at the start is no reason not to start: the writes wait for it. A store with no tables,
 * or a text search configuration PostgreSQL lacks, is.
 */
export async function startRecordWorker(config: ArbiterConfig, logger: Logger): Promise<SinkRuntime> {
  const log = logger.child({ worker: "record", workerId: config.workerId });
  const settings = config.record;
  const store = RecordStore.connect(settings, log);
  try {
    await store.check();
  } catch (error) {
    if (!isRetriable(error)) {
      await store.close();
      throw error;
    }
    log.warn({ err: (error as Error).message }, "the store of record does not answer: writes wait for it");
  }
  const { topics } = config.kafka;
  let parts;
  try {
    parts = await sinkParts(config, log, "record", ["decisions", "audit", "tickets", "appeals"]);
  } catch (error) {
    await store.close();
    throw error;
  }
  const deps: RecordSinkDeps = { codecs: parts.codecs, topics, store, retry: new RetryPolicy(settings.retry), metrics: parts.metrics, logger: log };
  const consumers = (["decision", "audit", "ticket", "appeal"] as const).map((kind) => {
    const topicKey = kind === "audit" ? "audit" : (`${kind}s` as const);
    return { groupId: `${settings.groupId}.${topicKey}`, topic: topics[topicKey], handler: new RecordSinkHandler(kind, deps) };
  });
  let pruning: NodeJS.Timeout | undefined;
  const prune = async () => {
    try {
      const deleted = await store.prune();
      log.info({ deleted }, "retention: rows past their days deleted");
    } catch (error) {
      log.warn({ err: (error as Error).message }, "retention: prune failed, tried again at the next interval");
    }
  };
  const runtime = await startSinkRuntime(parts, {
    consumers,
    beforeDrain: async () => clearInterval(pruning),
    afterDrain: () => store.close(),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  if (settings.pruneIntervalMinutes > 0) {
    void prune();
    pruning = setInterval(() => void prune(), settings.pruneIntervalMinutes * 60_000);
    pruning.unref();
  }
  log.info({ http: runtime.httpPort, topics: consumers.map((c) => c.topic) }, "record worker started");
  return runtime;
}
