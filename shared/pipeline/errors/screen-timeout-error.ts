import { ArbiterError } from "../../errors/arbiter-error.js";

/** A screen chunk was not answered in time: its thread (if it had started on the chunk) was terminated and replaced. */
export class ScreenTimeoutError extends ArbiterError {
  readonly code = "SCREEN_TIMEOUT";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  /**
   * `recordIndex`: the chunk's record the thread was screening when it was found hung, or -1
   * when it had not started on this chunk (it was queued behind the one that hung).
   */
  constructor(
    readonly timeoutMs: number,
    readonly recordIndex = -1,
  ) {
    super(`screen chunk not answered within ${timeoutMs} ms: its thread was terminated and is replaced`);
    this.name = "ScreenTimeoutError";
  }
}
