import type { CachedVerdict } from "./verdict-cache.js";
import type { ModelVerdict } from "./ports.js";

/** How one policy's verdict on one post came about. */
export type VerdictOutcome =
  | { kind: "prefilter"; policyId: string }
  | { kind: "cache"; policyId: string; verdict: CachedVerdict }
  | { kind: "model"; policyId: string; verdict: ModelVerdict }
  | { kind: "failure"; policyId: string; errorClass: string; message: string; attempts: number };
