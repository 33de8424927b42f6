import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";
import { allArrivalsPoint, blockedByKey, operatingPoint, secondLookRoom, percentile, utilisationOf, Zipf } from "../../../bench/load-model.js";

describe("Zipf", () => {
  it("draws rank k about as often as 1/(k+1)^s over the sum", () => {
    const zipf = new Zipf(100, 1, seededRandom(7));
    const counts = new Array<number>(100).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[zipf.next()]!++;
    const harmonic = Array.from({ length: 100 }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0);
    for (const k of [0, 1, 9, 99]) {
      const expected = 1 / (k + 1) / harmonic;
      expect(zipf.probability(k)).toBeCloseTo(expected, 10);
      // Within 5 standard deviations of the binomial count.
      const sd = Math.sqrt(draws * expected * (1 - expected));
      expect(Math.abs(counts[k]! - draws * expected)).toBeLessThan(5 * sd);
    }
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it("is uniform at s = 0, stays in range, and repeats with the seed", () => {
    const a = new Zipf(10, 0, seededRandom(3));
    const b = new Zipf(10, 0, seededRandom(3));
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBe(9);
    expect(a.probability(4)).toBeCloseTo(0.1, 12);
  });

  it("refuses a bad n or s", () => {
    expect(() => new Zipf(0, 1, Math.random)).toThrow(/n must be/);
    expect(() => new Zipf(5, -1, Math.random)).toThrow(/s must be/);
  });
});

describe("operatingPoint", () => {
  it("offers percent of C/L model posts, and that over the share in all", () => {
    const p = operatingPoint(90, 16, 200, 0.1);
    expect(p.capacityPerS).toBeCloseTo(80, 10);
    expect(p.modelPerS).toBeCloseTo(72, 10);
    expect(p.postsPerS).toBeCloseTo(720, 10);
    expect(operatingPoint(110, 2, 1500, 0.01).modelPerS).toBeCloseTo(1.1 * (2 / 1.5), 10);
  });

  it("refuses nonsense", () => {
    expect(() => operatingPoint(0, 16, 200, 0.1)).toThrow(/percent/);
    expect(() => operatingPoint(50, 16, 0, 0.1)).toThrow(/capacity and latency/);
    expect(() => operatingPoint(50, 16, 200, 0)).toThrow(/modelShare/);
  });
});

describe("utilisationOf and percentile", () => {
  it("is busy sequence-time over C × window", () => {
    expect(utilisationOf(16 * 1000, 16, 1000)).toBe(1);
    expect(utilisationOf(4 * 500, 16, 1000)).toBe(0.125);
    expect(() => utilisationOf(1, 16, 0)).toThrow(/window/);
  });

  it("takes the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([], 99)).toBeNaN();
  });
});

describe("blockedByKey", () => {
  it("marks a post produced while an earlier model post of its key was undecided, on that key only", () => {
    const blocked = blockedByKey([
      { key: "t1", producedAt: 0, decidedAt: 200, model: true },
      { key: "t1", producedAt: 10, decidedAt: 205, model: false }, // behind the call
      { key: "t2", producedAt: 10, decidedAt: 12, model: false }, // another key
      { key: "t1", producedAt: 200, decidedAt: 203, model: false }, // the call was decided by then
      { key: "t2", producedAt: 20, decidedAt: 25, model: false }, // a prefilter post blocks nothing
      { key: "t1", producedAt: 250, decidedAt: 300, model: true },
      { key: "t1", producedAt: 260, decidedAt: 310, model: true }, // behind the previous call
      { key: "t1", producedAt: 305, decidedAt: 311, model: false }, // behind the later-decided call
    ]);
    expect(blocked).toEqual([false, true, false, false, false, false, true, true]);
  });
});

describe("allArrivalsPoint and secondLookRoom", () => {
  it("offers every post at the percent of C/L, and bounds the second look by the model's idle capacity", () => {
    // C = 16, L = 200 ms: C/L = 80 calls/s.
    const all50 = allArrivalsPoint(50, 16, 200, 0.1);
    expect(all50.percent).toBe(50);
    expect(all50.postsPerS).toBeCloseTo(40, 9);
    expect(all50.modelPerS).toBeCloseTo(4, 9);
    // 76 idle calls/s for 36 allows/s: room for all of them.
    expect(secondLookRoom(all50)).toBe(1);
    // Model-bound arrivals at 50 %: 40 calls/s idle for 360 allows/s.
    expect(secondLookRoom(operatingPoint(50, 16, 200, 0.1))).toBeCloseTo(40 / 360, 9);
    // Past capacity there is no room.
    expect(secondLookRoom(operatingPoint(110, 16, 200, 0.1))).toBe(0);
    // Every post bound for the model: nothing to look at again.
    expect(secondLookRoom(operatingPoint(50, 16, 200, 1))).toBe(1);
  });
});
