import { EngineError } from "./engine-error.js";

/** The call ran past its deadline (queue wait included). Retriable: the model may be less busy later. */
export class EngineTimeoutError extends EngineError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super("ENGINE_TIMEOUT", `classification did not finish within ${timeoutMs} ms`, { retriable: true });
    this.timeoutMs = timeoutMs;
  }
}
