import { ArbiterError } from "../../errors/arbiter-error.js";

/** The broker refused a record's outputs as too large (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE): a minimal dead letter goes in their place. */
export class OutputTooLargeError extends ArbiterError {
  readonly code = "OUTPUT_TOO_LARGE";
  constructor(readonly brokerError: Error) {
    super(`the broker refused this record's outputs as too large (${brokerError.message}); the record's value and headers are left out of its dead letter`);
    this.name = "OutputTooLargeError";
  }
}
