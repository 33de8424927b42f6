import { ArbiterError } from "../../errors/arbiter-error.js";

/** A screen chunk was not answered in time: its thread (if it had started on the chunk) was terminated and replaced. */
export class ScreenTimeoutError extends ArbiterError {
  readonly code = "SCREEN_TIMEOUT";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(readonly timeoutMs: number) {
    super(`screen chunk not answered within ${timeoutMs} ms: its thread was terminated and is replaced`);
    this.name = "ScreenTimeoutError";
  }
}
