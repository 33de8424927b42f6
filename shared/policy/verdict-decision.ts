/** What a verdict says of a post under one policy: the label the model emits, the engine measures and the records carry. */
export const VERDICT_DECISIONS = ["violate", "allow"] as const;
export type VerdictDecision = (typeof VERDICT_DECISIONS)[number];
