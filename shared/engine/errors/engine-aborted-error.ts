import { EngineError } from "./engine-error.js";

/** The caller aborted the call through its AbortSignal. Retriable: nothing was wrong with the post. */
export class EngineAbortedError extends EngineError {
  constructor(reason?: unknown) {
    super("ENGINE_ABORTED", "classification was aborted by the caller", { retriable: true, cause: reason });
  }
}
