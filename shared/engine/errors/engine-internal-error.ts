import { EngineError } from "./engine-error.js";

/** An unexpected failure inside llama.cpp or the engine. Retriable once: it may be transient (memory). */
export class EngineInternalError extends EngineError {
  constructor(cause: unknown) {
    super("ENGINE_INTERNAL", `inference failed: ${cause instanceof Error ? cause.message : String(cause)}`, { retriable: true, cause });
  }
}
