import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";
import { maskCredentials, REDACTED } from "../errors/mask-credentials.js";
import type { LogSettings } from "./observability-settings.js";

export type { Logger };

// pino's redaction paths are exact or wildcard segments: each field is listed at the top and one level down.
const atTwoDepths = (fields: readonly string[]) => fields.flatMap((f) => [f, `*.${f}`]);
// Settings go one level deeper: a whole config logged holds `config.kafka.sasl`.
const atThreeDepths = (fields: readonly string[]) => fields.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
/** Post text and the model's reasoning: kept out unless `log.includePostText`. */
const POST_TEXT_FIELDS = atTwoDepths(["postText", "reasoning"]);
/**
 * Credentials, HTTP headers (whole: any may carry one) and TLS private keys given inline (not
 * every `key`: a record's key is a post id): always kept out.
 */
const CREDENTIAL_FIELDS = atThreeDepths([
  "password",
  "token",
  "accessToken",
  "refreshToken",
  "idToken",
  "apiKey",
  "secret",
  "sessionSecret",
  "moderators",
  "sasl",
  "ssl.key",
  "tls.key",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  '["set-cookie"]',
  "headers",
]);
/** URLs: logged without their userinfo (`redis://user:pass@host` → `redis://[Redacted]@host`). */
const URL_KEYS = ["url", "redisUrl"];
const URL_FIELDS = atThreeDepths(URL_KEYS);

function censor(value: unknown, path: string[]): unknown {
  if (!URL_KEYS.includes(path.at(-1)!)) return REDACTED;
  return typeof value === "string" ? maskCredentials(value) : value;
}

/** Strings anywhere in a line (an error message quoting a URL, a library's text) with URL credentials masked; a few levels deep. */
function maskDeep(value: unknown, depth: number): unknown {
  if (typeof value === "string") return maskCredentials(value);
  if (depth === 0 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth - 1));
  if (value instanceof Error) return maskDeep(stdSerializers.err(value), depth);
  // Dates, Buffers and the like write themselves (toJSON); anything else is written as its own fields, masked.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth - 1)]));
}

/**
 * The process-wide logger. Credentials and URL userinfo never go into it; post text and
 * reasoning only with `includePostText`. `settings` may be just a level (the older signature).
 */
export function createLogger(name: string, settings: string | Partial<LogSettings> = process.env.LOG_LEVEL ?? "info", destination?: DestinationStream): Logger {
  const { level = process.env.LOG_LEVEL ?? "info", includePostText = false } = typeof settings === "string" ? { level: settings } : settings;
  const paths = [...CREDENTIAL_FIELDS, ...URL_FIELDS, ...(includePostText ? [] : POST_TEXT_FIELDS)];
  const options = {
    name,
    level,
    base: { pid: process.pid },
    redact: { paths, censor },
    serializers: { err: (error: unknown) => maskDeep(error instanceof Error ? stdSerializers.err(error) : error, 4) },
    formatters: { log: (object: Record<string, unknown>) => maskDeep(object, 4) as Record<string, unknown> },
    hooks: {
      // The message too: `logger.warn("cannot reach redis://user:pass@host")`.
      logMethod(this: Logger, args: unknown[], method: (...args: unknown[]) => void) {
        const masked = args.map((a) => (typeof a === "string" ? maskCredentials(a) : a));
        // `logger.error(err)` takes its message from the error: given masked, as a message of its own.
        if (masked.length === 1 && masked[0] instanceof Error) masked.push(maskCredentials(masked[0].message));
        method.apply(this, masked);
      },
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A logger that writes nothing, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: "silent" });
