/**
 * A replay's range, from the command line to offsets: `--from`/`--to` name a time (ISO-8601,
 * epoch milliseconds with `ms`, or a duration ago: `90m`, `24h`, `7d`) or an offset (a whole
 * number on every partition, or `P:O,P:O` per partition). Pure: the broker's answers come in
 * as arguments.
 */
export type RangeBound = { kind: "time"; ms: number } | { kind: "offset"; all: bigint | null; byPartition: ReadonlyMap<number, bigint> };

/** A partition's records to replay: offsets start (inclusive) to end (exclusive). */
export interface PartitionRange {
  partition: number;
  start: string;
  end: string;
}

/** The offsets a partition keeps: low (first kept) and high (the next record's offset). */
export interface Watermarks {
  partition: number;
  low: string;
  high: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses one bound; `now` makes durations ("24h": 24 hours before now). Throws an Error naming what is wrong. */
export function parseRangeBound(text: string, now: number): RangeBound {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { kind: "offset", all: BigInt(t), byPartition: new Map() };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(t)) {
    const byPartition = new Map<number, bigint>();
    for (const pair of t.split(",")) {
      const [p, o] = pair.split(":");
      if (byPartition.has(Number(p))) throw new Error(`"${text}": partition ${p} given twice`);
      byPartition.set(Number(p), BigInt(o!));
    }
    return { kind: "offset", all: null, byPartition };
  }
  const ms = /^(\d+)ms$/.exec(t);
  if (ms) return { kind: "time", ms: Number(ms[1]) };
  const ago = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(t);
  if (ago) return { kind: "time", ms: now - Math.round(Number(ago[1]) * UNITS[ago[2]!]!) };
  // An ISO-8601 date or date-time (Date.parse takes more, e.g. "1", which must not pass as a time).
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const parsed = Date.parse(t);
    if (!Number.isNaN(parsed)) return { kind: "time", ms: parsed };
  }
  throw new Error(
    `"${text}" is neither a time (ISO-8601 like 2026-12-01T10:00:00Z, epoch milliseconds like 1764583200000ms, or a duration ago like 90m, 24h, 7d) nor an offset (a whole number, or P:O,P:O per partition)`,
  );
}

const clamp = (v: bigint, low: bigint, high: bigint): bigint => (v < low ? low : v > high ? high : v);

/** One bound on one partition, as an offset within [low, high]; `byTime` holds the broker's answer for a time bound (the first offset at or after it; -1 or missing: none, so high). */
function offsetOf(bound: RangeBound, w: Watermarks, byTime: ReadonlyMap<number, string> | null, fallback: bigint): bigint {
  const low = BigInt(w.low);
  const high = BigInt(w.high);
  if (bound.kind === "offset") {
    const v = bound.byPartition.get(w.partition) ?? bound.all ?? fallback;
    return clamp(v, low, high);
  }
  const found = byTime?.get(w.partition);
  if (found === undefined || BigInt(found) < 0n) return high;
  return clamp(BigInt(found), low, high);
}

/**
 * Each partition's range: from `from` (a partition `P:O` does not name starts at its low
 * watermark) to `to` (none: the high watermark now; a partition `P:O` does not name ends at its
 * high watermark). Offsets are clamped to what the partition keeps; an end before the start is
 * an empty range.
 */
export function resolveRanges(
  from: RangeBound,
  to: RangeBound | null,
  watermarks: readonly Watermarks[],
  byTime: { from: ReadonlyMap<number, string> | null; to: ReadonlyMap<number, string> | null },
): PartitionRange[] {
  if (from.kind === "time" && to?.kind === "time" && to.ms < from.ms) throw new Error("--to is before --from");
  for (const bound of [from, to]) {
    if (bound?.kind !== "offset") continue;
    const unknown = [...bound.byPartition.keys()].filter((p) => !watermarks.some((w) => w.partition === p));
    if (unknown.length > 0) throw new Error(`no partition ${unknown.join(", ")} (the topic has ${watermarks.length})`);
  }
  return [...watermarks]
    .sort((a, b) => a.partition - b.partition)
    .map((w) => {
      const start = offsetOf(from, w, byTime.from, BigInt(w.low));
      const end = to === null ? BigInt(w.high) : offsetOf(to, w, byTime.to, BigInt(w.high));
      return { partition: w.partition, start: String(start), end: String(end < start ? start : end) };
    });
}

/** Records in the ranges. */
export function rangeSize(ranges: readonly PartitionRange[]): number {
  return ranges.reduce((n, r) => n + Number(BigInt(r.end) - BigInt(r.start)), 0);
}

/** Records of the ranges done, given each partition's committed offset (the next to read; null: none yet). */
export function rangeDone(ranges: readonly PartitionRange[], committed: ReadonlyMap<number, string | null>): number {
  return ranges.reduce((n, r) => {
    const c = committed.get(r.partition);
    if (c === null || c === undefined || BigInt(c) < 0n) return n;
    const at = clamp(BigInt(c), BigInt(r.start), BigInt(r.end));
    return n + Number(at - BigInt(r.start));
  }, 0);
}
