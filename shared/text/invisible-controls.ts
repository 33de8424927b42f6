/**
 * Characters a reader never sees but a model reads: Unicode tag characters (U+E0000–U+E007F,
 * which spell hidden ASCII) and the bidirectional controls (U+202A–U+202E embeddings and
 * overrides, U+2066–U+2069 isolates, U+200E/U+200F marks, U+061C the Arabic letter mark),
 * which make the text a model reads differ from the text a moderator sees.
 */
const INVISIBLE_CONTROLS = /[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu;

/** The text without tag characters and bidi controls (the text itself when it has none). */
export function stripInvisibleControls(text: string): string {
  return text.replace(INVISIBLE_CONTROLS, "");
}
