import { EngineError } from "./engine-error.js";

/** The model file is missing, unreadable or not a loadable GGUF. Names the path. */
export class ModelLoadError extends EngineError {
  readonly modelPath: string;

  constructor(modelPath: string, reason: string, cause?: unknown) {
    super("ENGINE_MODEL_LOAD", `cannot load model "${modelPath}": ${reason}`, { retriable: false, cause });
    this.modelPath = modelPath;
  }
}
