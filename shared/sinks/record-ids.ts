import { UnsafeIdError } from "./errors/unsafe-id-error.js";

// C0 controls, DEL and C1 controls (CR and LF among them), and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * Why an id a record carries cannot go into a sink's URL, headers or Redis keys, or undefined
 * when it can. An id is filled into URL templates encoded, but `.` and `..` are dot segments
 * that URL parsing resolves (climbing the path) whatever the encoding, and `/`, `\` and control
 * characters have no place in an id.
 */
export function idProblem(id: string, allowEmpty = false): string | undefined {
  if (id === "") return allowEmpty ? undefined : "is empty";
  if (id.includes("..") || id === ".") return "contains a dot segment (`.` or `..`)";
  if (id.includes("/") || id.includes("\\")) return "contains a slash";
  const control = CONTROL.exec(id);
  if (control) return `contains the control character U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return undefined;
}

/** Throws an {@link UnsafeIdError} naming the first field whose id is unsafe. Fields given as `[name, id, allowEmpty?]`. */
export function checkIds(fields: readonly (readonly [field: string, id: string, allowEmpty?: boolean])[]): void {
  for (const [field, id, allowEmpty] of fields) {
    const problem = idProblem(id, allowEmpty);
    if (problem) throw new UnsafeIdError(field, problem);
  }
}

/**
 * A value for an HTTP header: printable ASCII as it is, everything else (non-ASCII, spaces,
 * controls) and `%` itself percent-encoded as UTF-8, so a post id in any script makes a valid
 * header that decodes back with `decodeURIComponent`.
 */
export function headerValue(value: string): string {
  return value.replace(/[^\x21-\x24\x26-\x7e]/gu, (c) => [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""));
}
