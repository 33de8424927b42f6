import { ArbiterError } from "../../errors/arbiter-error.js";

/** Redis did not answer a sink's state read or write: retried, since acting without the state could undo a human's decision. */
export class StateStoreError extends ArbiterError {
  override readonly name = "StateStoreError";
  override readonly retriable = true;
  readonly code = "STATE_STORE";

  constructor(operation: string, cause: Error) {
    super(`${operation}: ${cause.message}`);
  }
}
