/** The text the model is given and whether it is less than the post. */
export interface ModelText {
  text: string;
  truncated: boolean;
}

/**
 * The post cut to at most `maxChars` UTF-16 code units for the model (the prefilter reads all of
 * it). Never between the halves of a surrogate pair: the model would get a lone half, so the cut
 * falls one unit earlier. The one cut every stage uses, so the same post gives the same model text.
 */
export function cutModelText(text: string, maxChars: number): ModelText {
  if (text.length <= maxChars) return { text, truncated: false };
  const last = text.charCodeAt(maxChars - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars;
  return { text: text.slice(0, cut), truncated: true };
}

/** A stretch of a text: UTF-16 offsets, end exclusive. */
export interface TextSpan {
  start: number;
  end: number;
}

/** How a text longer than the model's budget is read: in windows of at most `maxChars`. */
export interface WindowOptions {
  /** The model's budget: no window is longer. */
  maxChars: number;
  /** Most windows read; a text that needs more is not read whole. */
  maxWindows: number;
  /** Where the prefilter found something: the windows around these are read first. */
  hits?: readonly TextSpan[];
  /** Units each window shares with the next, so a violation on a boundary is whole in one of them. @defaultValue {@link windowOverlap} */
  overlap?: number;
}

/** The windows to read of one text, in the order to read them. */
export interface WindowPlan {
  /** At most `maxWindows` windows, each at most `maxChars` long and never between the halves of a surrogate pair; those around the hits first. */
  windows: TextSpan[];
  /** Windows it takes to read the whole text (1 when it fits). */
  needed: number;
  /** Read in full, the windows cover the whole text, each boundary with the overlap. */
  complete: boolean;
}

/** The overlap of neighbouring windows: a few sentences (256 units), at most an eighth of the window. */
export function windowOverlap(maxChars: number): number {
  return Math.min(256, Math.floor(maxChars / 8));
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** A window start that is not the low half of a pair (it moves one unit later). */
function startAt(text: string, i: number): number {
  return i > 0 && i < text.length && isLow(text.charCodeAt(i)) && isHigh(text.charCodeAt(i - 1)) ? i + 1 : i;
}

/** A window end that does not keep the high half of a pair alone (it moves one unit earlier). */
function endAt(text: string, i: number): number {
  return i < text.length && isHigh(text.charCodeAt(i - 1)) && isLow(text.charCodeAt(i)) ? i - 1 : i;
}

/** The window of at most `maxChars` from `start` (moved off a pair's low half). */
function windowFrom(text: string, start: number, maxChars: number): TextSpan {
  const s = startAt(text, start);
  return { start: s, end: endAt(text, Math.min(s + maxChars, text.length)) };
}

/**
 * The windows in which to read a text longer than the model's budget. A text that fits is one
 * window. Otherwise the grid of windows that covers it in text order, each overlapping the next
 * by `overlap`: when it needs at most `maxWindows`, all of them, those holding a hit first; when
 * it needs more, a window centred on each hit first (a hit inside an earlier window gets none),
 * then the grid's windows in text order up to `maxWindows`, and the plan is not complete.
 */
export function planWindows(text: string, options: WindowOptions): WindowPlan {
  const { maxChars, maxWindows } = options;
  if (!Number.isInteger(maxChars) || maxChars < 2) throw new RangeError(`planWindows: maxChars must be an integer of at least 2, got ${maxChars}`);
  if (!Number.isInteger(maxWindows) || maxWindows < 1) throw new RangeError(`planWindows: maxWindows must be a positive integer, got ${maxWindows}`);
  const length = text.length;
  if (length <= maxChars) return { windows: [{ start: 0, end: length }], needed: 1, complete: true };
  const overlap = Math.max(0, Math.min(options.overlap ?? windowOverlap(maxChars), maxChars - 2));
  const grid: TextSpan[] = [];
  for (let start = 0; ;) {
    const window = windowFrom(text, start, maxChars);
    grid.push(window);
    if (window.end >= length) break;
    start = Math.max(window.end - overlap, window.start + 1);
  }
  const hits = [...(options.hits ?? [])].filter((h) => h.start >= 0 && h.end <= length && h.start < h.end).sort((a, b) => a.start - b.start);
  const holds = (w: TextSpan, h: TextSpan) => w.start <= h.start && h.end <= w.end;
  if (grid.length <= maxWindows) {
    const first = grid.filter((w) => hits.some((h) => h.start < w.end && w.start < h.end));
    return { windows: [...first, ...grid.filter((w) => !first.includes(w))], needed: grid.length, complete: true };
  }
  const chosen: TextSpan[] = [];
  for (const hit of hits) {
    if (chosen.length >= maxWindows) break;
    if (chosen.some((w) => holds(w, hit))) continue;
    const middle = Math.floor((hit.start + hit.end) / 2);
    chosen.push(windowFrom(text, Math.max(0, Math.min(middle - Math.floor(maxChars / 2), length - maxChars)), maxChars));
  }
  for (const w of grid) {
    if (chosen.length >= maxWindows) break;
    if (!chosen.some((c) => holds(c, w))) chosen.push(w);
  }
  return { windows: chosen, needed: grid.length, complete: covers(chosen, length, overlap) };
}

/** Whether the windows cover [0, length), each join with at least `overlap` in common. */
function covers(windows: readonly TextSpan[], length: number, overlap: number): boolean {
  let covered = 0;
  for (const w of [...windows].sort((a, b) => a.start - b.start)) {
    if (w.start > 0 && w.start > covered - overlap) return false;
    covered = Math.max(covered, w.end);
  }
  return covered >= length;
}
