import { ArbiterError } from "../../errors/arbiter-error.js";

/**
 * PostgreSQL refused or did not answer a write or read of the store of record. Retriable unless
 * PostgreSQL judged the data itself (SQLSTATE class 22, data exception, or 23, integrity
 * violation): those fail the same way every time, so the record worker dead-letters them.
 */
export class RecordStoreError extends ArbiterError {
  override readonly name = "RecordStoreError";
  readonly code = "RECORD_STORE";
  override readonly retriable: boolean;
  /** The SQLSTATE PostgreSQL answered with (undefined: no answer, a connection error). */
  readonly sqlState: string | undefined;

  constructor(operation: string, cause: unknown) {
    const sqlState = sqlStateOf(cause);
    super(`${operation}: ${cause instanceof Error ? cause.message : String(cause)}${sqlState ? ` (SQLSTATE ${sqlState})` : ""}`, { cause });
    this.sqlState = sqlState;
    this.retriable = sqlState === undefined || !/^2[23]/.test(sqlState);
  }
}

function sqlStateOf(error: unknown): string | undefined {
  // pg's DatabaseError carries the five-character SQLSTATE as `code`; Node's socket errors carry ECONNREFUSED and the like.
  if (typeof error !== "object" || error === null || !("code" in error) || typeof error.code !== "string") return undefined;
  return /^[0-9A-Z]{5}$/.test(error.code) ? error.code : undefined;
}
