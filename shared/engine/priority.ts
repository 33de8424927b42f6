/**
 * The engine's priority classes, highest first: posts the prefilter sent to the model, then
 * escalations and appeals, then the second look at what the prefilter allowed, then funnel
 * audit samples. A waiting call of a higher class takes the next free sequence. A running call
 * of a lower class is stopped for it only if it asked to be preemptible (the second look does);
 * any other delays a higher class by at most one call per sequence.
 */
export const PRIORITY_CLASSES = ["primary", "escalation", "second-look", "audit"] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/** 0 for the highest class. */
export function priorityRank(priority: PriorityClass): number {
  return PRIORITY_CLASSES.indexOf(priority);
}
