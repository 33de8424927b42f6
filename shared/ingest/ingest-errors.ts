import { ArbiterError } from "../errors/arbiter-error.js";

/** A request the gateway refuses: its HTTP status and the reason, which names the field or header at fault. */
export class IngestRejection extends ArbiterError {
  readonly code: string;
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413 | 415 | 422,
    code: string,
    message: string,
  ) {
    super(message);
    this.code = code;
  }
}

/** A payload that is not the shape its source sends: 422 naming the field. */
export const payloadError = (field: string, problem: string) => new IngestRejection(422, "BAD_PAYLOAD", `field "${field}" ${problem}`);

/** Kafka did not take the record in time: 503 with Retry-After, the caller sends it again. */
export class ProduceUnavailableError extends ArbiterError {
  readonly code = "KAFKA_UNAVAILABLE";
  override readonly retriable = true;
}

/** A listing API answered with something the poller cannot use (a status, or a shape). */
export class ListingError extends ArbiterError {
  readonly code: string;
  override readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean) {
    super(message);
    this.code = code;
    this.retriable = retriable;
  }
}
