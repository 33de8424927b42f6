// The auto-hide sink: decisions → the forum's hide/unhide/banner API and the on-call
// counsellor's pager, once per post and decision (state in Redis), a moderator's decision over
// any model's. Settings: the `autoHide` section (docs/reference.md). SIGTERM/SIGINT drain and exit 0.
import { runWorkerProcess } from "@arbiter/shared/worker/worker-process.js";
import { startAutoHideWorker } from "./auto-hide-worker.js";

await runWorkerProcess("arbiter-auto-hide", startAutoHideWorker);
