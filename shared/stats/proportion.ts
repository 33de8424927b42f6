/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/** A share of a set (k of n) with its 95 % Wilson score interval. */
export interface Proportion {
  k: number;
  n: number;
  /** k / n (0 when n is 0). */
  rate: number;
  low: number;
  high: number;
}

/**
 * The Wilson score interval of k successes in n trials: unlike the normal approximation it
 * stays inside [0, 1] and keeps its coverage on small sets (40 rows) and at 0 or n. An empty
 * set says nothing: [0, 1].
 */
export function wilsonInterval(k: number, n: number, z = Z95): { low: number; high: number } {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n)
    throw new RangeError(`wilsonInterval: need integers 0 ≤ k ≤ n, got k=${k}, n=${n}`);
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // Exact at the ends: rounding must not put 0 of n above 0 or n of n below 1.
  return { low: k === 0 ? 0 : centre - half, high: k === n ? 1 : centre + half };
}

/** k of n as a {@link Proportion}. */
export function proportion(k: number, n: number): Proportion {
  const { low, high } = wilsonInterval(k, n);
  return { k, n, rate: n === 0 ? 0 : k / n, low, high };
}

/** "0.605 [0.52–0.68]": a rate with its interval, for tables. */
export function formatProportion(p: Proportion, digits = 3): string {
  return `${p.rate.toFixed(digits)} [${p.low.toFixed(2)}–${p.high.toFixed(2)}]`;
}
