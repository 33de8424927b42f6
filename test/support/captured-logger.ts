import { createLogger, type Logger } from "@arbiter/shared/observability/logger.js";

/** A real pino logger whose lines a test reads back (parsed), with the raw text for "never logged" checks. */
export function capturedLogger(level = "info"): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    "test",
    { level: level as "info" },
    {
      write: (line: string) => {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, text: () => raw.join("") };
}
