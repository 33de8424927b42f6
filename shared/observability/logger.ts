import { pino, type DestinationStream, type Logger } from "pino";
import type { LogSettings } from "./observability-settings.js";

export type { Logger };

// pino's redaction paths are exact or wildcard segments: each field is listed at the top and one level down.
const atTwoDepths = (fields: readonly string[]) => fields.flatMap((f) => [f, `*.${f}`]);
// Settings go one level deeper: a whole config logged holds `config.kafka.sasl`.
const atThreeDepths = (fields: readonly string[]) => fields.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
/** Post text and the model's reasoning: kept out unless `log.includePostText`. */
const POST_TEXT_FIELDS = atTwoDepths(["postText", "reasoning"]);
/** Credentials, and TLS private keys given inline (not every `key`: a record's key is a post id): always kept out. */
const CREDENTIAL_FIELDS = atThreeDepths(["password", "token", "secret", "sessionSecret", "moderators", "sasl", "ssl.key", "tls.key"]);
/** URLs: logged without their userinfo (`redis://user:pass@host` → `redis://[Redacted]@host`). */
const URL_KEYS = ["url", "redisUrl"];
const URL_FIELDS = atThreeDepths(URL_KEYS);

const REDACTED = "[Redacted]";

function censor(value: unknown, path: string[]): unknown {
  if (!URL_KEYS.includes(path.at(-1)!)) return REDACTED;
  return typeof value === "string" ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, `$1${REDACTED}@`) : value;
}

/**
 * The process-wide logger. Credentials and URL userinfo never go into it; post text and
 * reasoning only with `includePostText`. `settings` may be just a level (the older signature).
 */
export function createLogger(name: string, settings: string | Partial<LogSettings> = process.env.LOG_LEVEL ?? "info", destination?: DestinationStream): Logger {
  const { level = process.env.LOG_LEVEL ?? "info", includePostText = false } = typeof settings === "string" ? { level: settings } : settings;
  const paths = [...CREDENTIAL_FIELDS, ...URL_FIELDS, ...(includePostText ? [] : POST_TEXT_FIELDS)];
  const options = { name, level, base: { pid: process.pid }, redact: { paths, censor } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A logger that writes nothing, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: "silent" });
