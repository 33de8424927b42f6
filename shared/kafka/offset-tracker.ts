import { UnsafeOffsetError } from "./errors/unsafe-offset-error.js";

/** What to commit for a partition: the lowest unfinished offset and the done offsets above it. */
export interface CommitPoint {
  offset: string;
  metadata: string;
}

// Metadata: "a1:<base>:<open>.<done>.<open>.<done>…" in base 36, runs of offsets from <base> (the
// committed offset) on; offsets after the last done run are not done.
const FORMAT = "a1";

/**
 * One partition's offset bookkeeping for out-of-order completion: which accepted records are
 * still open, the commit (lowest open offset, never the highest finished), and the done set
 * above it as run-lengths in the commit's metadata, read back on assignment to skip those records.
 * Offsets between two accepted records are no records (control, aborted or compacted) and count as done.
 */
export class OffsetTracker {
  /** First offset not yet seen. */
  private next: number;
  /** Accepted offsets not yet committed as done, ascending. */
  private open: number[] = [];
  /** Done ranges [start, end) restored from the committed metadata, ascending. */
  private readonly restored: Array<readonly [number, number]>;
  private restoredAt = 0;

  private constructor(committed: number, restored: Array<readonly [number, number]>) {
    this.next = committed;
    this.restored = restored;
  }

  /** From a committed offset (null or negative: none yet) and its metadata (another format: ignored). */
  static restore(committed: string | null, metadata: string | null): OffsetTracker {
    const base = committed === null || committed.startsWith("-") ? 0 : toOffset(committed);
    return new OffsetTracker(base, committed === null || committed.startsWith("-") || !metadata ? [] : decodeDone(base, metadata));
  }

  /** Takes a record on as open; false when it was seen before or is done already (skip it). Offsets come in ascending order. */
  accept(offset: string): boolean {
    const o = toOffset(offset);
    if (o < this.next) return false;
    this.next = o + 1;
    while (this.restoredAt < this.restored.length && this.restored[this.restoredAt]![1] <= o) this.restoredAt++;
    const range = this.restored[this.restoredAt];
    if (range && range[0] <= o) return false;
    this.open.push(o);
    return true;
  }

  /** Where fetching should go on: the first offset not seen. */
  position(): string {
    return String(this.next);
  }

  /** Records taken on and not yet done. */
  get openCount(): number {
    return this.open.length;
  }

  /**
   * The commit if `finishing` (ascending, all open) were done. Null when its metadata would be
   * longer than `maxBytes`, unless `truncate`: then the done runs that do not fit are left out
   * (those records count as not done: they may be processed again).
   */
  commitWith(finishing: readonly number[], maxBytes: number, truncate: boolean): CommitPoint | null {
    const stillOpen = finishing.length === 0 ? this.open : without(this.open, finishing);
    if (stillOpen.length === 0) return { offset: String(this.next), metadata: "" };
    const metadata = encodeDone(stillOpen, this.next, maxBytes, truncate);
    return metadata === null ? null : { offset: String(stillOpen[0]), metadata };
  }

  /**
   * The longest prefix of `finishing` (ascending, all open) whose commit fits `maxBytes`
   * (exactly-once: a completion that cannot be recorded is held back, not committed unrecorded).
   * Count 0 when none fits: wait for the lowest open record to finish.
   */
  fittingPrefix(finishing: readonly number[], maxBytes: number): { count: number; commit: CommitPoint | null } {
    const fits = (k: number) => {
      const stillOpen = without(this.open, finishing.slice(0, k));
      if (stillOpen.length === 0) return { offset: String(this.next), metadata: "" };
      const metadata = encodeDone(stillOpen, this.next, maxBytes, false);
      return metadata === null ? null : { offset: String(stillOpen[0]), metadata };
    };
    const all = fits(finishing.length);
    if (all) return { count: finishing.length, commit: all };
    // Sizes are not monotonic in k, so this finds a fitting prefix, not always the longest.
    let lo = 0;
    let hi = finishing.length;
    let best: CommitPoint | null = null;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      const commit = fits(mid);
      if (commit) {
        lo = mid;
        best = commit;
      } else hi = mid;
    }
    return { count: best ? lo : 0, commit: best };
  }

  /** After their commit succeeded: these offsets (ascending) are done. */
  markDone(finished: readonly number[]): void {
    this.open = without(this.open, finished);
  }
}

/** Offsets are int64 strings; bookkeeping in numbers is exact below 2^53. */
export function toOffset(offset: string): number {
  const n = Number(offset);
  if (!Number.isSafeInteger(n)) throw new UnsafeOffsetError(offset);
  return n;
}

/** `from` minus `remove`, both ascending. */
function without(from: readonly number[], remove: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const o of from) {
    while (j < remove.length && remove[j]! < o) j++;
    if (j < remove.length && remove[j] === o) continue;
    out.push(o);
  }
  return out;
}

/** Run-lengths from stillOpen[0]: open run, done run, …; null if longer than maxBytes (unless truncated to fit). */
function encodeDone(stillOpen: readonly number[], next: number, maxBytes: number, truncate: boolean): string | null {
  let text = `${FORMAT}:${stillOpen[0]!.toString(36)}:`;
  if (text.length > maxBytes) return truncate ? "" : null;
  let cursor = stillOpen[0]!;
  let i = 0;
  let first = true;
  while (i < stillOpen.length) {
    let run = 0;
    while (i < stillOpen.length && stillOpen[i] === cursor + run) {
      run++;
      i++;
    }
    cursor += run;
    const doneEnd = i < stillOpen.length ? stillOpen[i]! : next;
    const done = doneEnd - cursor;
    cursor = doneEnd;
    if (done === 0) break;
    const pair = `${first ? "" : "."}${run.toString(36)}.${done.toString(36)}`;
    if (text.length + pair.length > maxBytes) return truncate ? text : null;
    text += pair;
    first = false;
  }
  return text;
}

/** The done ranges of a metadata string written for `committed`; anything else reads as none. */
function decodeDone(committed: number, metadata: string): Array<readonly [number, number]> {
  const [format, base, runs, extra] = metadata.split(":");
  if (format !== FORMAT || base === undefined || runs === undefined || extra !== undefined) return [];
  if (parseInt(base, 36) !== committed || runs === "") return [];
  const numbers = runs.split(".").map((n) => (/^[0-9a-z]+$/.test(n) ? parseInt(n, 36) : Number.NaN));
  if (numbers.length % 2 !== 0 || numbers.some((n) => !Number.isSafeInteger(n))) return [];
  const ranges: Array<readonly [number, number]> = [];
  let cursor = committed;
  for (let k = 0; k < numbers.length; k += 2) {
    cursor += numbers[k]!;
    ranges.push([cursor, cursor + numbers[k + 1]!]);
    cursor += numbers[k + 1]!;
  }
  return ranges;
}
