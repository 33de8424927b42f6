// The ingest gateway: forum webhooks (Discourse) and Arbiter's generic JSON post over HTTP, each
// signed with HMAC-SHA256, and pollers for platforms without webhooks (Reddit, Lemmy), → Posts on
// the posts topic keyed by post id. Settings: the `ingest` section (docs/reference.md,
// docs/platforms/ingest.md). SIGTERM/SIGINT stop taking requests, finish the polls under way, exit 0.
import { runWorkerProcess } from "@arbiter/shared/worker/worker-process.js";
import { startIngestWorker } from "./ingest-worker.js";

await runWorkerProcess("arbiter-ingest", startIngestWorker);
