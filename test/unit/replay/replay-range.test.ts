import { parseRangeBound, rangeDone, rangeSize, resolveRanges, type Watermarks } from "@arbiter/shared/replay/replay-range.js";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const marks: Watermarks[] = [
  { partition: 1, low: "10", high: "50" },
  { partition: 0, low: "0", high: "20" },
  { partition: 2, low: "5", high: "5" },
];

describe("parseRangeBound", () => {
  it("reads offsets, per-partition offsets, ISO times, epoch ms and durations ago", () => {
    expect(parseRangeBound("42", NOW)).toEqual({ kind: "offset", all: 42n, byPartition: new Map() });
    expect(parseRangeBound("0:3,2:7", NOW)).toEqual({
      kind: "offset",
      all: null,
      byPartition: new Map([
        [0, 3n],
        [2, 7n],
      ]),
    });
    expect(parseRangeBound("2026-12-01T10:00:00Z", NOW)).toEqual({ kind: "time", ms: Date.parse("2026-12-01T10:00:00Z") });
    expect(parseRangeBound("2026-12-01", NOW)).toEqual({ kind: "time", ms: Date.parse("2026-12-01") });
    expect(parseRangeBound("1764583200000ms", NOW)).toEqual({ kind: "time", ms: 1764583200000 });
    expect(parseRangeBound("24h", NOW)).toEqual({ kind: "time", ms: NOW - 86_400_000 });
    expect(parseRangeBound("90m", NOW)).toEqual({ kind: "time", ms: NOW - 5_400_000 });
  });

  it("rejects what is neither, and a partition given twice", () => {
    expect(() => parseRangeBound("yesterday", NOW)).toThrow(/neither a time .* nor an offset/);
    expect(() => parseRangeBound("-5", NOW)).toThrow(/neither/);
    expect(() => parseRangeBound("0:1,0:2", NOW)).toThrow(/partition 0 given twice/);
  });
});

describe("resolveRanges", () => {
  it("an offset applies to every partition, clamped to what each keeps; no --to ends at the high watermark", () => {
    const ranges = resolveRanges(parseRangeBound("12", NOW), null, marks, { from: null, to: null });
    expect(ranges).toEqual([
      { partition: 0, start: "12", end: "20" },
      { partition: 1, start: "12", end: "50" },
      { partition: 2, start: "5", end: "5" },
    ]);
    expect(rangeSize(ranges)).toBe(8 + 38);
  });

  it("per-partition offsets leave the other partitions at their low (from) and high (to) watermarks; an end before the start is empty", () => {
    const ranges = resolveRanges(parseRangeBound("1:30", NOW), parseRangeBound("0:4,1:20", NOW), marks, { from: null, to: null });
    expect(ranges).toEqual([
      { partition: 0, start: "0", end: "4" },
      { partition: 1, start: "30", end: "30" },
      { partition: 2, start: "5", end: "5" },
    ]);
  });

  it("times take the broker's offsets; -1 (nothing at or after the time) means the high watermark", () => {
    const from = parseRangeBound("2h", NOW);
    const to = parseRangeBound("1h", NOW);
    const ranges = resolveRanges(from, to, marks, {
      from: new Map([
        [0, "7"],
        [1, "-1"],
        [2, "5"],
      ]),
      to: new Map([
        [0, "15"],
        [1, "-1"],
        [2, "-1"],
      ]),
    });
    expect(ranges).toEqual([
      { partition: 0, start: "7", end: "15" },
      { partition: 1, start: "50", end: "50" },
      { partition: 2, start: "5", end: "5" },
    ]);
  });

  it("refuses a --to before --from and a partition the topic lacks", () => {
    expect(() => resolveRanges(parseRangeBound("1h", NOW), parseRangeBound("2h", NOW), marks, { from: new Map(), to: new Map() })).toThrow(
      /--to is before --from/,
    );
    expect(() => resolveRanges(parseRangeBound("9:1", NOW), null, marks, { from: null, to: null })).toThrow(/no partition 9/);
  });
});

describe("rangeDone", () => {
  it("counts each partition's records below its committed offset, within the range", () => {
    const ranges = [
      { partition: 0, start: "10", end: "20" },
      { partition: 1, start: "0", end: "5" },
      { partition: 2, start: "3", end: "9" },
    ];
    expect(
      rangeDone(
        ranges,
        new Map([
          [0, "15"],
          [1, "99"],
          [2, null],
        ]),
      ),
    ).toBe(5 + 5 + 0);
    expect(rangeDone(ranges, new Map([[0, "2"]]))).toBe(0);
  });
});
