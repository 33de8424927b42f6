export type DecodeErrorCode =
  | "MISSING_FINGERPRINT"
  | "UNKNOWN_FINGERPRINT"
  | "MALFORMED"
  | "INVALID_RECORD"
  | "OVERSIZED";

/** A record that cannot be turned into a valid value. Never retriable: it goes to the dead-letter topic. */
export class DecodeError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DecodeError";
  }
}
