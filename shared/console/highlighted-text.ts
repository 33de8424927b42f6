import { escapeHtml, SafeHtml } from "../html/safe-html.js";

/** A span of the text to mark, UTF-16 offsets (end exclusive), with what it matched. */
export interface TextSpan {
  start: number;
  end: number;
  label: string;
}

/**
 * The post's text as HTML with the prefilter's hits in `<mark>`: overlapping or touching spans
 * merge (their labels join), spans outside the text are clipped, and every piece is escaped.
 */
export function highlightedText(text: string, spans: readonly TextSpan[]): SafeHtml {
  const sorted = spans
    .map((s) => ({ start: Math.max(0, Math.min(s.start, text.length)), end: Math.max(0, Math.min(s.end, text.length)), labels: [s.label] }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: { start: number; end: number; labels: string[] }[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) {
      last.end = Math.max(last.end, span.end);
      for (const label of span.labels) if (!last.labels.includes(label)) last.labels.push(label);
    } else merged.push(span);
  }
  let out = "";
  let at = 0;
  for (const span of merged) {
    out += escapeHtml(text.slice(at, span.start));
    out += `<mark title="${escapeHtml(span.labels.join(", "))}">${escapeHtml(text.slice(span.start, span.end))}</mark>`;
    at = span.end;
  }
  return new SafeHtml(out + escapeHtml(text.slice(at)));
}
