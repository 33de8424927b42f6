import { EngineError } from "./engine-error.js";

/** The request cannot be classified as given (no policy, prompt longer than a sequence holds). Not retriable. */
export class EngineInputError extends EngineError {
  constructor(reason: string) {
    super("ENGINE_INPUT", `cannot classify this request: ${reason}`, { retriable: false });
  }
}
