/**
 * gpt-oss reasoning effort, from least to most (the order is meaningful: several policies read
 * together get the highest of their efforts). The one definition: the engine, a policy's front
 * matter, the config and the command line all take it from here.
 */
export const EFFORTS = ["low", "medium", "high"] as const;
export type Effort = (typeof EFFORTS)[number];
