import { pino, type Logger } from "pino";

export type { Logger };

/** The process-wide logger. Post text and secrets never go into it unless a setting asks. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** A logger that writes nothing, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: "silent" });
