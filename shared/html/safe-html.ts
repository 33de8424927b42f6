/** HTML that is safe to send as it is: built only by {@link html} or {@link trusted}. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** C0/C1 controls (not newline or tab) and bidirectional marks, overrides and isolates, shown as visible marks (⟨U+202E⟩), so nothing hides or reorders what a moderator reads. */
export function showControls(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`,
  );
}

/** Text as HTML text or a quoted attribute value; post text is hostile input, so its controls are shown too ({@link showControls}). */
export function escapeHtml(text: string): string {
  return showControls(text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!));
}

type Fragment = SafeHtml | string | number | null | undefined | false | readonly Fragment[];

function render(value: Fragment): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** A template whose every interpolation is escaped unless it is already {@link SafeHtml} (lists are joined). */
export function html(strings: TemplateStringsArray, ...values: Fragment[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => (out += render(value) + strings[i + 1]!));
  return new SafeHtml(out);
}

/** Markup written in this code base (never data): the one way around escaping. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
