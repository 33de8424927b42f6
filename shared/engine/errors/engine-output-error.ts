import { EngineError } from "./engine-error.js";

/**
 * The model's final channel did not yield a usable verdict (budget exhausted, unparsable,
 * missing decision). Not retriable: greedy decoding would produce the same output again.
 */
export class EngineOutputError extends EngineError {
  /** The raw final-channel text, for the audit trail (may hold post-derived text: do not log it). */
  readonly output: string;

  constructor(reason: string, output: string, cause?: unknown) {
    super("ENGINE_OUTPUT", `model output is not a valid verdict: ${reason}`, { retriable: false, cause });
    this.output = output;
  }
}
