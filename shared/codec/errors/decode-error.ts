import { ArbiterError } from "../../errors/arbiter-error.js";

export type DecodeErrorCode =
  | "MISSING_FINGERPRINT"
  | "UNKNOWN_FINGERPRINT"
  | "MALFORMED"
  | "INVALID_RECORD"
  | "OVERSIZED"
  /** Confluent wire format: the registry has no schema with the record's id. */
  | "UNKNOWN_SCHEMA_ID"
  /** Confluent wire format: the registry refused the record's id (a 4xx other than 404, a 500, an oversized answer), asked `notFoundAttempts` times. */
  | "SCHEMA_REGISTRY_REFUSED"
  /** Confluent wire format: the writer schema cannot be read as a Post (a required field missing, a type that does not resolve). */
  | "INCOMPATIBLE_SCHEMA";

/** A record that cannot be turned into a valid value. Never retriable: it goes to the dead-letter topic. */
export class DecodeError extends ArbiterError {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DecodeError";
  }
}
