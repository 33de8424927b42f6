import { EngineBusyError } from "./engine-busy-error.js";

/**
 * A preemptible call (second look, audit samples) was stopped part-way so that a call of a higher
 * class waiting for a sequence could have it; its result is lost, nothing was decided. Retriable
 * later, like any busy engine: it is an {@link EngineBusyError}.
 */
export class EnginePreemptedError extends EngineBusyError {
  constructor() {
    super();
    this.message = "preempted: a call of a higher class needed the sequence";
  }
}
