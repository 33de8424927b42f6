import { formatProportion, proportion, wilsonInterval } from "@arbiter/shared/stats/proportion.js";

describe("wilsonInterval", () => {
  // Reference values from the closed form at the ends (0 of n: [0, z²/(n+z²)]) and hand-computed mid values.
  it.each([
    [0, 10, 0, 0.27753],
    [10, 10, 0.72247, 1],
    [5, 10, 0.2366, 0.7634],
    [14, 19, 0.5121, 0.8819],
    [1, 1, 0.20654, 1],
  ])("%i of %i → [%f, %f]", (k, n, low, high) => {
    const interval = wilsonInterval(k, n);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it("narrows as the set grows and always holds the rate", () => {
    let width = 1;
    for (const n of [10, 40, 400, 4000]) {
      const { low, high } = wilsonInterval(Math.round(n * 0.3), n);
      expect(low).toBeLessThanOrEqual(0.3);
      expect(high).toBeGreaterThanOrEqual(0.3);
      expect(high - low).toBeLessThan(width);
      width = high - low;
    }
  });

  it("says nothing about an empty set and rejects impossible counts", () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });
});

describe("proportion", () => {
  it("carries the counts, the rate and the interval", () => {
    const p = proportion(14, 19);
    expect(p).toMatchObject({ k: 14, n: 19 });
    expect(p.rate).toBeCloseTo(0.7368, 4);
    expect(formatProportion(p)).toBe("0.737 [0.51–0.88]");
    expect(proportion(0, 0).rate).toBe(0);
  });
});
