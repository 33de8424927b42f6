import { EngineError } from "./engine-error.js";

/** A setting is wrong; raised at start, naming the field. Retrying cannot help. */
export class InvalidEngineOptionsError extends EngineError {
  readonly field: string;

  constructor(field: string, problem: string) {
    super("ENGINE_INVALID_OPTIONS", `engine option "${field}" ${problem}`, { retriable: false });
    this.field = field;
  }
}
