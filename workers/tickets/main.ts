// The ticket sink: moderation.tickets → the ticket system's webhook, the review queue of the post's
// platform (forums of autoHide.forums) and/or a Redis stream, one ticket per post and policy version. Settings: the `tickets` section (docs/reference.md).
// SIGTERM/SIGINT drain and exit 0.
import { runWorkerProcess } from "@arbiter/shared/worker/worker-process.js";
import { startTicketsWorker } from "./tickets-worker.js";

await runWorkerProcess("arbiter-tickets", startTicketsWorker);
