// The traffic bench:latency offers: operating points as shares of the model stage's capacity,
// and posts whose authors and threads follow Zipf's law, so a few threads carry much of the
// traffic and their records queue behind each other (the runner keeps a key's records in order).

/**
 * Draws ranks 0..n-1 with P(rank k) ∝ 1 / (k+1)^s (Zipf's law; rank 0 the most frequent), by a
 * binary search in the cumulative distribution.
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
    private readonly random: () => number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf: n must be an integer ≥ 1, got ${n}`);
    if (!(s >= 0)) throw new RangeError(`Zipf: s must be ≥ 0, got ${s}`);
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) this.cdf[k] = sum += 1 / (k + 1) ** s;
    for (let k = 0; k < n; k++) this.cdf[k]! /= sum;
  }

  /** P(rank k). */
  probability(k: number): number {
    return this.cdf[k]! - (k === 0 ? 0 : this.cdf[k - 1]!);
  }

  next(): number {
    const u = this.random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** One operating point: model-bound arrivals at `percent` of the model stage's capacity C/L. */
export interface OperatingPoint {
  percent: number;
  /** C/L: model posts per second the stage decides when every sequence is busy. */
  capacityPerS: number;
  /** Model-bound posts per second offered. */
  modelPerS: number;
  /** All posts per second offered (model-bound ÷ their share). */
  postsPerS: number;
}

/** The offered rates for `percent` of capacity: C sequences, L ms a call, `modelShare` of posts bound for the model. */
export function operatingPoint(percent: number, capacity: number, latencyMs: number, modelShare: number): OperatingPoint {
  if (!(percent > 0)) throw new RangeError(`percent must be > 0, got ${percent}`);
  if (!(capacity > 0) || !(latencyMs > 0)) throw new RangeError(`capacity and latency must be > 0, got C=${capacity}, L=${latencyMs} ms`);
  if (!(modelShare > 0 && modelShare <= 1)) throw new RangeError(`modelShare must be in (0, 1], got ${modelShare}`);
  const capacityPerS = capacity / (latencyMs / 1000);
  const modelPerS = (percent / 100) * capacityPerS;
  return { percent, capacityPerS, modelPerS, postsPerS: modelPerS / modelShare };
}

/**
 * Utilisation over a window: the slot-milliseconds the engine was busy in it ÷ (C × the
 * window's length). 1 means every sequence was busy the whole window.
 */
export function utilisationOf(busySlotMs: number, capacity: number, windowMs: number): number {
  if (!(windowMs > 0) || !(capacity > 0)) throw new RangeError(`window and capacity must be > 0, got ${windowMs} ms, C=${capacity}`);
  return busySlotMs / (capacity * windowMs);
}

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** A post as the bench saw it: its Kafka key, when it was produced and decided, and whether the model decided it. */
export interface Observed {
  key: string;
  producedAt: number;
  decidedAt: number;
  model: boolean;
}

/**
 * For each post (in produce order), whether an earlier model-bound post with the same key was
 * still undecided when it was produced: the runner keeps a key's records in order, so such a
 * post waits for that model call whatever decides it (key-order blocking).
 */
export function blockedByKey(posts: readonly Observed[]): boolean[] {
  const busyUntil = new Map<string, number>();
  return posts.map((p) => {
    const until = busyUntil.get(p.key);
    const blocked = until !== undefined && until > p.producedAt;
    if (p.model && (until === undefined || p.decidedAt > until)) busyUntil.set(p.key, p.decidedAt);
    return blocked;
  });
}

/**
 * An operating point by all arrivals: every post (model-bound or not) offered at `percent` of
 * C/L, a `modelShare` of them bound for the model. This is the load at which the second look
 * could review every post: its goal (share ≥ 0.95) is stated for arrivals ≤ 50 % of capacity.
 */
export function allArrivalsPoint(percent: number, capacity: number, latencyMs: number, modelShare: number): OperatingPoint {
  return { ...operatingPoint(percent * modelShare, capacity, latencyMs, modelShare), percent };
}

/**
 * The most of the prefilter's allows a second look can review at a point in steady state: the
 * model's idle capacity (C/L less the model-bound arrivals) ÷ the allows' arrival rate, at most 1.
 */
export function secondLookRoom(point: OperatingPoint): number {
  const allows = point.postsPerS - point.modelPerS;
  if (allows <= 0) return 1;
  return Math.min(1, Math.max(0, point.capacityPerS - point.modelPerS) / allows);
}
