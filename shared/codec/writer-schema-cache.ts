import { isRetriable } from "../errors/arbiter-error.js";
import type { Logger } from "../observability/logger.js";
import { RetriesExhaustedError } from "../retry/errors/retries-exhausted-error.js";
import { RetryPolicy } from "../retry/retry-policy.js";
import { confluentSchemaId } from "./confluent-wire.js";
import { SchemaNotFoundError } from "./errors/schema-not-found-error.js";
import { SchemaRegistryRequestError } from "./errors/schema-registry-request-error.js";
import { SchemaRegistryUnavailableError } from "./errors/schema-registry-unavailable-error.js";
import type { RegisteredSchema, SchemaRegistryClient } from "./schema-registry-client.js";

/** What a decoder needs to know of one writer schema id: its Avro schema, or why there is none. */
export type WriterSchemaNote =
  { id: number; schema: string } | { id: number; code: "UNKNOWN_SCHEMA_ID" | "INCOMPATIBLE_SCHEMA" | "SCHEMA_REGISTRY_REFUSED"; reason: string };

export interface WriterSchemaCacheOptions {
  /** Fetches of an id the registry answers with a 404, another refusal or a failure of its own (500) before the answer stands. */
  notFoundAttempts: number;
  /** Longest wait between attempts while the registry is down. */
  retryMaxMs: number;
  /** How long "no schema for this id" stands before the registry is asked again (default 60 s). */
  unknownIdTtlMs?: number;
  /** Most ids noted as unknown at once; past it the oldest notes go first (default 10,000). */
  unknownIdCacheSize?: number;
  now?: () => number;
}

interface Entry {
  note: WriterSchemaNote;
  /** Epoch ms after which the note is asked again (a schema by id never changes: forever). */
  until: number;
}

/** How long "no such id" stands before the registry is asked again (it may have been registered since). */
const NOT_FOUND_TTL_MS = 60_000;
const UNKNOWN_ID_CACHE_SIZE = 10_000;
/** Statuses that say the registry (or its gateway) is down as a whole, not that this id is bad. */
const OUTAGE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * What a failed fetch says: `not-found` and `refused` are answers about the id (a 404; another
 * 4xx, a 500, an answer too large or without a schema), asked a bounded number of times; an
 * `outage` (no answer, 429, 502–504, rejected credentials) says nothing about the id and is waited out.
 */
function failureKind(error: unknown): "not-found" | "refused" | "outage" {
  if (error instanceof SchemaNotFoundError) return "not-found";
  if (error instanceof SchemaRegistryRequestError) return "refused";
  if (error instanceof SchemaRegistryUnavailableError && error.status !== undefined && !OUTAGE_STATUSES.has(error.status)) return "refused";
  return "outage";
}
/** The first wait after a 404; it doubles with each further attempt. */
const NOT_FOUND_RETRY_MS = 250;
const FIRST_OUTAGE_RETRY_MS = 500;

/**
 * Writer schemas by registry id, fetched on the main thread before a chunk is decoded (the
 * decode itself is synchronous, in a screen thread). A schema once fetched is kept for good
 * (an id's schema never changes; only the registry can add them). An id the registry does not
 * know, refuses (another 4xx, a 500, an oversized or empty answer) after `notFoundAttempts`
 * fetches is noted as such, so its posts become dead letters naming it (`UNKNOWN_SCHEMA_ID`,
 * `SCHEMA_REGISTRY_REFUSED`); those notes expire (`unknownIdTtlMs`) and are bounded in number
 * (`unknownIdCacheSize`, oldest first), since the ids come from records anyone may write. While
 * the registry cannot answer at all (refused, timed out, 429, 502–504, rejected credentials) the
 * fetch waits and tries again without end: the chunk, and so its partition, waits with it;
 * nothing is dead-lettered for an outage. One fetch per id at a time, whoever asks.
 */
export class WriterSchemaCache {
  private readonly entries = new Map<number, Entry>();
  /** The ids noted as unknown or refused, oldest first (a subset of `entries`). */
  private readonly unknown = new Set<number>();
  private readonly unknownTtlMs: number;
  private readonly unknownLimit: number;
  private readonly fetching = new Map<number, Promise<WriterSchemaNote>>();
  private readonly closing = new AbortController();
  private readonly now: () => number;
  private downSince: number | null = null;
  /** Asks again after a 404 (250 ms, doubling, no cap), `notFoundAttempts` times in all. */
  private readonly notFoundRetry: RetryPolicy;
  /** Asks again, without end, while the registry cannot answer (500 ms, doubling, up to `retryMaxMs`). */
  private readonly outageRetry: RetryPolicy;

  constructor(
    private readonly registry: Pick<SchemaRegistryClient, "schemaById" | "url">,
    options: WriterSchemaCacheOptions,
    private readonly logger: Logger,
  ) {
    this.now = options.now ?? Date.now;
    this.unknownTtlMs = options.unknownIdTtlMs ?? NOT_FOUND_TTL_MS;
    this.unknownLimit = Math.max(1, options.unknownIdCacheSize ?? UNKNOWN_ID_CACHE_SIZE);
    this.notFoundRetry = new RetryPolicy({
      initialDelayMs: NOT_FOUND_RETRY_MS,
      maxDelayMs: Infinity,
      maxAttempts: Math.max(1, options.notFoundAttempts),
      jitter: false,
      retryOn: (error) => failureKind(error) !== "outage",
    });
    // An outage is waited out, a rejected login included: it is logged as an error.
    this.outageRetry = new RetryPolicy({
      initialDelayMs: FIRST_OUTAGE_RETRY_MS,
      maxDelayMs: options.retryMaxMs,
      maxAttempts: 0,
      jitter: false,
      retryOn: (error) => failureKind(error) === "outage",
    });
  }

  /** The note of an id already fetched (and not expired); synchronous, for a decoder on this thread. */
  known(id: number): WriterSchemaNote | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.until <= this.now()) this.forget(id);
    return entry && entry.until > this.now() ? entry.note : undefined;
  }

  /** How many ids are noted as unknown or refused now (bounded by `unknownIdCacheSize`). */
  get unknownCount(): number {
    return this.unknown.size;
  }

  /**
   * The notes of the writer schemas of these records (Confluent-framed values; others are
   * left to the decoder to refuse). Rejects only when `signal` aborts or the cache closes.
   */
  async notesFor(records: readonly { value: Uint8Array | null }[], signal: AbortSignal): Promise<WriterSchemaNote[]> {
    const ids = new Set<number>();
    for (const record of records) {
      const id = confluentSchemaId(record.value);
      if (id !== undefined) ids.add(id);
    }
    return Promise.all([...ids].map((id) => this.known(id) ?? untilAborted(this.fetch(id), signal)));
  }

  /** Stops every fetch in progress (their waiters are rejected). */
  close(): void {
    this.closing.abort(new Error("writer schema cache closed"));
  }

  private fetch(id: number): Promise<WriterSchemaNote> {
    let pending = this.fetching.get(id);
    if (!pending) {
      pending = this.fetchWithRetries(id).finally(() => this.fetching.delete(id));
      // Its waiters may all have gone (aborted): the outcome still lands in the cache.
      pending.catch(() => undefined);
      this.fetching.set(id, pending);
    }
    return pending;
  }

  private async fetchWithRetries(id: number): Promise<WriterSchemaNote> {
    const { signal } = this.closing;
    let found: RegisteredSchema;
    try {
      // A 404 is an answer: the outage (if any) is over, and the next one waits from 500 ms again.
      found = await this.notFoundRetry.run(
        () => this.outageRetry.run(() => this.ask(id, signal), signal, { onRetry: (_, error, wait) => this.unavailable(id, error, wait) }),
        signal,
      );
    } catch (error) {
      if (!(error instanceof RetriesExhaustedError)) throw error;
      const code = failureKind(error.lastError) === "not-found" ? "UNKNOWN_SCHEMA_ID" : "SCHEMA_REGISTRY_REFUSED";
      const note: WriterSchemaNote = { id, code, reason: `${error.lastError.message}; asked ${error.attempts} times` };
      this.noteUnknown(id, note);
      this.logger.warn({ schemaId: id, attempts: error.attempts, code }, "writer schema id not read from the registry: its posts are dead letters");
      return note;
    }
    const note: WriterSchemaNote =
      found.schemaType.toUpperCase() === "AVRO"
        ? { id, schema: found.schema }
        : { id, code: "INCOMPATIBLE_SCHEMA", reason: `writer schema ${id} is a ${found.schemaType} schema, not Avro` };
    this.entries.set(id, { note, until: Infinity });
    return note;
  }

  /** Notes an id as unknown for `unknownIdTtlMs`, dropping the oldest such notes past `unknownIdCacheSize`. */
  private noteUnknown(id: number, note: WriterSchemaNote): void {
    this.forget(id);
    for (const oldest of this.unknown) {
      if (this.unknown.size < this.unknownLimit) break;
      this.forget(oldest);
    }
    this.entries.set(id, { note, until: this.now() + this.unknownTtlMs });
    this.unknown.add(id);
  }

  private forget(id: number): void {
    if (!this.unknown.delete(id)) return;
    this.entries.delete(id);
  }

  /** One fetch of an id; a schema or a 404 means the registry answers. */
  private async ask(id: number, signal: AbortSignal): Promise<RegisteredSchema> {
    try {
      const found = await this.registry.schemaById(id, signal);
      this.answered();
      return found;
    } catch (error) {
      if (failureKind(error) !== "outage" && !signal.aborted) this.answered();
      throw error;
    }
  }

  private unavailable(id: number, error: Error, retryInMs: number): void {
    this.downSince ??= this.now();
    const retriable = isRetriable(error);
    // An outage is waited out (warn); a refusal such as rejected credentials needs someone (error).
    this.logger[retriable ? "warn" : "error"](
      { schemaId: id, registry: this.registry.url, err: error.message, retryInMs, downForMs: this.now() - this.downSince },
      "schema registry unavailable: posts of unknown writer schemas wait",
    );
  }

  private answered(): void {
    if (this.downSince === null) return;
    this.logger.info({ registry: this.registry.url, downForMs: this.now() - this.downSince }, "schema registry answering again");
    this.downSince = null;
  }
}

/** `promise`, or `signal`'s reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
