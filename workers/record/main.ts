// The record worker: decisions (the console's answers among them), audit, tickets and appeals →
// the store of record in PostgreSQL, each record an upsert by its id; it deletes rows past their
// retention every `record.pruneIntervalMinutes`. Settings: the `record` section (docs/reference.md).
// SIGTERM/SIGINT drain and exit 0.
import { runWorkerProcess } from "@arbiter/shared/worker/worker-process.js";
import { startRecordWorker } from "./record-worker.js";

await runWorkerProcess("arbiter-record", startRecordWorker);
