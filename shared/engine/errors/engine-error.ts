import { ArbiterError } from "../../errors/arbiter-error.js";

/** Error codes of the engine, as a closed list. */
export const ENGINE_ERROR_CODES = [
  "ENGINE_INVALID_OPTIONS",
  "ENGINE_MODEL_LOAD",
  "ENGINE_TIMEOUT",
  "ENGINE_OUTPUT",
  "ENGINE_ABORTED",
  "ENGINE_QUEUE_CLOSED",
  "ENGINE_INPUT",
  "ENGINE_INTERNAL",
  "ENGINE_CONTEXT_PLAN",
  "ENGINE_BUSY",
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

/**
 * Base of every engine failure. The pipeline decides retry vs escalation from `retriable`
 * alone, never from the message; a failed call never yields a verdict.
 */
export class EngineError extends ArbiterError {
  readonly code: EngineErrorCode;
  override readonly retriable: boolean;

  constructor(code: EngineErrorCode, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable;
  }
}
