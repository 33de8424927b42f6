import type { z } from "zod";
import { issueField, issueProblem } from "../settings/zod-issues.js";
import { ConfigError } from "../settings/config-error.js";
import { knownKeys } from "./config-reference.js";

interface NamedIssue {
  field: string;
  problem: string;
  source: string | undefined;
}

/** Edit distance counting a swap of neighbours as one edit (`prot` → `port`), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

function didYouMean(key: string, known: readonly string[]): string {
  const near =
    known.find((k) => k.toLowerCase() === key.toLowerCase()) ??
    known.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= Math.min(2, Math.floor(key.length / 3)));
  return near === undefined ? "" : ` (did you mean ${near}?)`;
}

/** Where the setting at `path` came from, if a layer set it (a list's items: the list). */
function sourceAt(path: readonly PropertyKey[], sourceOf: ReadonlyMap<string, string>): string | undefined {
  return sourceOf.get(path.filter((key) => typeof key === "string").join("."));
}

function named(issue: z.core.$ZodIssue, sourceOf: ReadonlyMap<string, string>): NamedIssue[] {
  if (issue.code !== "unrecognized_keys") return [{ field: issueField(issue.path), problem: issueProblem(issue), source: sourceAt(issue.path, sourceOf) }];
  const known = knownKeys(issue.path);
  return issue.keys.map((key) => ({
    field: issueField(issue.path, key),
    problem: `${issueProblem(issue)}${didYouMean(key, known)}`,
    source: sourceAt([...issue.path, key], sourceOf),
  }));
}

/**
 * The error for a config that fails the schema: it names the first bad setting and where it
 * came from (`sourceOf`: dotted key → file or variable); the message lists the others too.
 */
export function configError(issues: readonly z.core.$ZodIssue[], sourceOf: ReadonlyMap<string, string>): ConfigError {
  const all = issues.flatMap((issue) => named(issue, sourceOf));
  const [first, ...others] = all;
  const more = others.map((o) => `; ${ConfigError.label(o.field, o.source)}: ${o.problem}`).join("");
  return new ConfigError(first!.field, `${first!.problem}${more}`, first!.source);
}
