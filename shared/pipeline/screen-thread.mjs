// A screen thread's entry when running from sources (tsx, jest): registers tsx in this thread
// (a worker does not inherit the main thread's loader), then runs the TypeScript thread body.
// Built, ScreenPool starts the compiled screen-worker.js instead.
import { register } from "tsx/esm/api";

register();
await import("./screen-worker.ts");
