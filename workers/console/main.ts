// The moderator console: a web page over HTTP where moderators log in, work the queue of open
// tickets (consumed from moderation.tickets and moderation.audit into its own Redis store) and
// confirm or overturn with one click — a decision at stage human — or re-run a post at the
// escalation tier (an appeal). Settings: the `console` section (docs/reference.md). SIGTERM/SIGINT
// stop the web server, drain and exit 0.
import { runWorkerProcess } from "@arbiter/shared/worker/worker-process.js";
import { startConsoleWorker } from "./console-worker.js";

await runWorkerProcess("arbiter-console", startConsoleWorker);
