/**
 * The engine's priority classes, highest first: posts the prefilter sent to the model, then
 * escalations and appeals, then the second look at what the prefilter allowed, then funnel
 * audit samples. A waiting call of a higher class takes the next free sequence; running calls
 * of a lower class are never stopped, so a lower class delays a higher one by at most one call
 * per sequence.
 */
export const PRIORITY_CLASSES = ["primary", "escalation", "second-look", "audit"] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/** 0 for the highest class. */
export function priorityRank(priority: PriorityClass): number {
  return PRIORITY_CLASSES.indexOf(priority);
}
