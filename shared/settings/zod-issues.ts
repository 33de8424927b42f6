import type { z } from "zod";

// How a zod issue is named in an error: the config's and the engine options' errors read alike.

/** The dotted name of the setting an issue is about (`kafka.brokers[0]`); an unknown key names itself. */
export function issueField(path: readonly PropertyKey[], unknownKey?: string): string {
  const keys = unknownKey === undefined ? path : [...path, unknownKey];
  return keys.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("");
}

/** What is wrong, in words: zod's message, with the value given when it is a plain value. */
export function issueProblem(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return "unknown setting";
  const given = issue.input;
  if (issue.code === "custom" || given === undefined || (typeof given === "object" && given !== null)) return issue.message;
  // JSON would show NaN (a non-numeric ARBITER_HTTP_PORT) as null.
  return `${issue.message}, got ${typeof given === "number" ? String(given) : JSON.stringify(given)}`;
}
