import { pino } from "pino";
import type { LogSettings } from "../observability/observability-settings.js";
import { createLogger, type Logger } from "../observability/logger.js";

/** A command's logger: JSON on stderr, so stdout holds only the command's output; warnings only unless verbose. */
export function cliLogger(name: string, settings: LogSettings, verbose: boolean): Logger {
  return createLogger(name, { ...settings, level: verbose ? settings.level : "warn" }, pino.destination(2));
}
