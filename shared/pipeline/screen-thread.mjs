// Entry of a screen thread: registers tsx in this thread (a worker does not inherit the main
// thread's loader), then runs the TypeScript thread body.
import { register } from "tsx/esm/api";

register();
await import("./screen-worker.ts");
