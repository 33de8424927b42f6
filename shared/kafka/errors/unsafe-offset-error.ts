import { ArbiterError } from "../../errors/arbiter-error.js";

/** An offset past 2^53: the runner's bookkeeping holds offsets as numbers (a partition would need 9e15 records). */
export class UnsafeOffsetError extends ArbiterError {
  readonly code = "UNSAFE_OFFSET";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(readonly offset: string) {
    super(`offset ${offset} is beyond 2^53; the stream runner cannot track it`);
    this.name = "UnsafeOffsetError";
  }
}
