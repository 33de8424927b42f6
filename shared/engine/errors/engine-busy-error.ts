import { EngineError } from "./engine-error.js";

/** A call asked to run only on an idle engine found every sequence busy or a call waiting; nothing ran. Retriable later. */
export class EngineBusyError extends EngineError {
  constructor() {
    super("ENGINE_BUSY", "no idle sequence: the call asked to run only when the engine is idle", { retriable: true });
  }
}
