import type { Policy } from "./policy.js";

/** One line of a line diff: kept, removed (only in the old text) or added (only in the new). */
export interface DiffLine {
  kind: " " | "-" | "+";
  text: string;
}

/** The line diff of two texts (longest common subsequence; policies are a few hundred lines). */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ kind: " ", text: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ kind: "-", text: a[i++]! });
    else out.push({ kind: "+", text: b[j++]! });
  }
  return out;
}

/** A unified diff (`@@ -l,n +l,n @@` hunks with `context` lines around each change); empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string {
  const lines = diffLines(before, after);
  const changed = lines.map((l, k) => (l.kind === " " ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return "";
  // Hunks: runs of changes closer than 2*context lines merge.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const last = hunks.at(-1);
    if (last && k - last[1] <= 2 * context) last[1] = k;
    else hunks.push([k, k]);
  }
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const [first, last] of hunks) {
    const start = Math.max(0, first - context);
    const end = Math.min(lines.length - 1, last + context);
    // Line numbers at `start` in each text: count the lines before it on each side.
    let oldLine = 1;
    let newLine = 1;
    for (let k = 0; k < start; k++) {
      if (lines[k]!.kind !== "+") oldLine++;
      if (lines[k]!.kind !== "-") newLine++;
    }
    const slice = lines.slice(start, end + 1);
    const oldCount = slice.filter((l) => l.kind !== "+").length;
    const newCount = slice.filter((l) => l.kind !== "-").length;
    out.push(`@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`);
    for (const l of slice) out.push(`${l.kind}${l.text}`);
  }
  return `${out.join("\n")}\n`;
}

/** What changed in the fields the pipeline acts on, one line each (empty: none did). */
export function policyFieldChanges(before: Policy, after: Policy): string[] {
  const out: string[] = [];
  const list = (field: string, a: readonly string[], b: readonly string[]) => {
    const added = b.filter((x) => !a.includes(x));
    const removed = a.filter((x) => !b.includes(x));
    if (added.length > 0) out.push(`${field}: + ${added.join(", ")}`);
    if (removed.length > 0) out.push(`${field}: - ${removed.join(", ")}`);
  };
  const scalar = (field: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${field}: ${String(a)} -> ${String(b)}`);
  };
  scalar("title", before.title, after.title);
  scalar("prefilter", before.prefilter, after.prefilter);
  scalar("reasoning_effort", before.reasoningEffort, after.reasoningEffort);
  scalar("escalation_threshold", before.escalationThreshold, after.escalationThreshold);
  scalar("typos", before.typos, after.typos);
  list(
    "rules",
    before.rules.map((r) => r.id),
    after.rules.map((r) => r.id),
  );
  list(
    "rules escalating",
    before.rules.filter((r) => r.escalate).map((r) => r.id),
    after.rules.filter((r) => r.escalate).map((r) => r.id),
  );
  list("keywords", before.keywords, after.keywords);
  list("signals", before.signals, after.signals);
  list("targets", before.targets, after.targets);
  list("regexes", before.regexes, after.regexes);
  list("forums", before.forums, after.forums);
  if (before.body !== after.body) out.push("body: changed (the text the model reads)");
  return out;
}
