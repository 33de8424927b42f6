import { EngineError } from "./engine-error.js";

/** A policy at an effort it runs at does not fit the context: names the policy, the effort and the shortfall. */
export class ContextPlanError extends EngineError {
  constructor(readonly problems: readonly string[]) {
    super(
      "ENGINE_CONTEXT_PLAN",
      `the context does not hold every call (raise contextSize, or lower pipeline.maxModelChars or the analysisBudget):\n${problems.map((p) => `  ${p}`).join("\n")}`,
      { retriable: false },
    );
  }
}
