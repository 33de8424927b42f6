import type { SearchHit } from "./record-search.js";

/** Search hits as a plain-text table for a terminal: one line each, the rationale cut to fit. */
export function renderSearchTable(hits: readonly SearchHit[]): string {
  if (hits.length === 0) return "no decisions found\n";
  const rows = hits.map((h) => [
    new Date(h.decidedAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    h.action,
    h.stage,
    h.postId,
    h.policyRefs.join(",") || "-",
    h.decidedBy ?? "-",
    h.matched.join(",") || "-",
    oneLine(h.rationale, 80),
  ]);
  const header = ["decided", "action", "stage", "post", "policies", "moderator", "matched", "rationale"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

function oneLine(text: string, max: number): string {
  // Control characters (a post's newlines, an escape sequence) never reach the terminal.
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
