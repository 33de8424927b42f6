import { isRetriable } from "../errors/arbiter-error.js";
import type { Logger } from "../observability/logger.js";
import { RetriesExhaustedError } from "../retry/errors/retries-exhausted-error.js";
import { RetryPolicy } from "../retry/retry-policy.js";
import { confluentSchemaId } from "./confluent-wire.js";
import { SchemaNotFoundError } from "./errors/schema-not-found-error.js";
import type { RegisteredSchema, SchemaRegistryClient } from "./schema-registry-client.js";

/** What a decoder needs to know of one writer schema id: its Avro schema, or why there is none. */
export type WriterSchemaNote = { id: number; schema: string } | { id: number; code: "UNKNOWN_SCHEMA_ID" | "INCOMPATIBLE_SCHEMA"; reason: string };

export interface WriterSchemaCacheOptions {
  /** Fetches of an id the registry says it does not know before the answer stands. */
  notFoundAttempts: number;
  /** Longest wait between attempts while the registry is down. */
  retryMaxMs: number;
  now?: () => number;
}

interface Entry {
  note: WriterSchemaNote;
  /** Epoch ms after which the note is asked again (a schema by id never changes: forever). */
  until: number;
}

/** How long "no such id" stands before the registry is asked again (it may have been registered since). */
const NOT_FOUND_TTL_MS = 60_000;
/** The first wait after a 404; it doubles with each further attempt. */
const NOT_FOUND_RETRY_MS = 250;
const FIRST_OUTAGE_RETRY_MS = 500;

/**
 * Writer schemas by registry id, fetched on the main thread before a chunk is decoded (the
 * decode itself is synchronous, in a screen thread). A schema once fetched is kept for good
 * (an id's schema never changes). An id the registry does not know after `notFoundAttempts`
 * fetches is noted as such, so its posts become dead letters naming it. While the registry
 * cannot answer (refused, timed out, 5xx, rejected credentials) the fetch waits and tries again
 * without end: the chunk, and so its partition, waits with it; nothing is dead-lettered for an
 * outage. One fetch per id at a time, whoever asks.
 */
export class WriterSchemaCache {
  private readonly entries = new Map<number, Entry>();
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
    const notFound = (error: unknown) => error instanceof SchemaNotFoundError;
    this.notFoundRetry = new RetryPolicy({
      initialDelayMs: NOT_FOUND_RETRY_MS,
      maxDelayMs: Infinity,
      maxAttempts: Math.max(1, options.notFoundAttempts),
      jitter: false,
      retryOn: notFound,
    });
    // Every other failure is waited out, a refusal (rejected credentials) included: it is logged as an error.
    this.outageRetry = new RetryPolicy({
      initialDelayMs: FIRST_OUTAGE_RETRY_MS,
      maxDelayMs: options.retryMaxMs,
      maxAttempts: 0,
      jitter: false,
      retryOn: (error) => !notFound(error),
    });
  }

  /** The note of an id already fetched (and not expired); synchronous, for a decoder on this thread. */
  known(id: number): WriterSchemaNote | undefined {
    const entry = this.entries.get(id);
    return entry && entry.until > this.now() ? entry.note : undefined;
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
      const note: WriterSchemaNote = { id, code: "UNKNOWN_SCHEMA_ID", reason: `${error.lastError.message}; asked ${error.attempts} times` };
      this.entries.set(id, { note, until: this.now() + NOT_FOUND_TTL_MS });
      this.logger.warn({ schemaId: id, attempts: error.attempts }, "unknown writer schema id: its posts are dead letters");
      return note;
    }
    const note: WriterSchemaNote =
      found.schemaType.toUpperCase() === "AVRO"
        ? { id, schema: found.schema }
        : { id, code: "INCOMPATIBLE_SCHEMA", reason: `writer schema ${id} is a ${found.schemaType} schema, not Avro` };
    this.entries.set(id, { note, until: Infinity });
    return note;
  }

  /** One fetch of an id; a schema or a 404 means the registry answers. */
  private async ask(id: number, signal: AbortSignal): Promise<RegisteredSchema> {
    try {
      const found = await this.registry.schemaById(id, signal);
      this.answered();
      return found;
    } catch (error) {
      if (error instanceof SchemaNotFoundError && !signal.aborted) this.answered();
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
