// The classifier worker: `ARBITER_ROLE=primary` (posts -> decisions) or `escalation`
// (escalations and appeals -> final decisions and tickets). Settings: config/default.json and
// overrides (docs/reference.md). SIGTERM/SIGINT drain in-flight work, commit and exit 0; the same signal
// again (a second Ctrl-C) exits at once with 1.
import { startClassifierWorker } from "./classifier-worker.js";
import { runWorkerProcess } from "@arbiter/shared/worker/worker-process.js";

await runWorkerProcess("arbiter", startClassifierWorker);
