import { EngineError } from "./engine-error.js";

/** The engine is disposing or disposed; the call was not (or no longer) run. Retriable elsewhere. */
export class EngineQueueClosedError extends EngineError {
  constructor() {
    super("ENGINE_QUEUE_CLOSED", "the engine is closed and accepts no more calls", { retriable: true });
  }
}
