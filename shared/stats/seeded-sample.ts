/** A deterministic PRNG (mulberry32) in [0, 1), so a sample or a randomized test reproduces from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` items drawn without replacement by a seeded partial Fisher–Yates shuffle, kept in their original order. */
export function seededSample<T>(items: readonly T[], k: number, seed: number): T[] {
  if (k >= items.length) return [...items];
  const random = seededRandom(seed);
  const index = items.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (index.length - i));
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
