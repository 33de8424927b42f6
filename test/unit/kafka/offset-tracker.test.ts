import { OffsetTracker } from "@arbiter/shared/kafka/offset-tracker.js";
import { UnsafeOffsetError } from "@arbiter/shared/kafka/errors/unsafe-offset-error.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

function acceptAll(tracker: OffsetTracker, from: number, to: number): number[] {
  const taken: number[] = [];
  for (let o = from; o < to; o++) if (tracker.accept(String(o))) taken.push(o);
  return taken;
}

describe("OffsetTracker", () => {
  test("commits the lowest unfinished offset, never the highest finished", () => {
    const t = OffsetTracker.restore("100", null);
    acceptAll(t, 100, 110);
    t.markDone([101, 102, 105, 109]);
    expect(t.commitWith([], 4096, false)!.offset).toBe("100");
    t.markDone([100]);
    expect(t.commitWith([], 4096, false)!.offset).toBe("103");
    expect(t.commitWith([103, 104, 106, 107, 108], 4096, false)).toEqual({ offset: "110", metadata: "" });
  });

  test("the done set above the commit survives a restore: done records are skipped, the rest are taken again", () => {
    const t = OffsetTracker.restore("100", null);
    acceptAll(t, 100, 120);
    const finishing = [101, 102, 103, 110, 111, 119];
    const commit = t.commitWith(finishing, 4096, false)!;
    expect(commit.offset).toBe("100");
    const again = OffsetTracker.restore(commit.offset, commit.metadata);
    const taken = acceptAll(again, 95, 125);
    expect(taken).toEqual([100, 104, 105, 106, 107, 108, 109, 112, 113, 114, 115, 116, 117, 118, 120, 121, 122, 123, 124]);
  });

  test("offsets between accepted records (control records, aborted or compacted) count as done", () => {
    const t = OffsetTracker.restore("0", null);
    for (const o of [0, 2, 5, 6, 9]) t.accept(String(o));
    const commit = t.commitWith([2, 6, 9], 4096, false)!;
    const again = OffsetTracker.restore(commit.offset, commit.metadata);
    // 3 and 4 were never delivered (no records): marking them done is harmless and keeps the runs short.
    expect(acceptAll(again, 0, 12)).toEqual([0, 5, 10, 11]);
  });

  test("a record seen once is not taken again; position is the first offset not seen", () => {
    const t = OffsetTracker.restore("7", null);
    expect(t.accept("5")).toBe(false);
    expect(t.accept("7")).toBe(true);
    expect(t.accept("7")).toBe(false);
    expect(t.accept("9")).toBe(true);
    expect(t.position()).toBe("10");
    expect(t.openCount).toBe(2);
  });

  test("no committed offset yet: everything from the first record on is taken", () => {
    const t = OffsetTracker.restore("-1", "whatever");
    expect(acceptAll(t, 3, 6)).toEqual([3, 4, 5]);
    expect(t.commitWith([3, 4, 5], 4096, false)).toEqual({ offset: "6", metadata: "" });
  });

  test("metadata written for another offset, or in another format, is ignored", () => {
    const t = OffsetTracker.restore("10", null);
    acceptAll(t, 10, 20);
    const commit = t.commitWith([12, 13], 4096, false)!;
    expect(acceptAll(OffsetTracker.restore("11", commit.metadata), 11, 15)).toEqual([11, 12, 13, 14]);
    for (const foreign of ["", "hello", "a1:a:1", "a1:a:1.-2", "a1:a:1.2.3", "a1:a:1.2:3", "b1:a:1.2"]) {
      expect(acceptAll(OffsetTracker.restore("10", foreign), 10, 14)).toEqual([10, 11, 12, 13]);
    }
  });

  test("metadata is compact: a long done run costs a few characters", () => {
    const t = OffsetTracker.restore("1000000", null);
    acceptAll(t, 1_000_000, 1_100_000);
    const finishing = Array.from({ length: 99_999 }, (_, i) => 1_000_001 + i);
    const commit = t.commitWith(finishing, 4096, false)!;
    expect(commit.offset).toBe("1000000");
    expect(commit.metadata.length).toBeLessThan(24);
  });

  test("exactly-once: completions whose done set would not fit are held back, not committed unrecorded", () => {
    const t = OffsetTracker.restore("0", null);
    acceptAll(t, 0, 2000);
    // Every other record finished: ~1000 alternations cannot fit in 200 bytes.
    const finishing = Array.from({ length: 999 }, (_, i) => 2 * i + 1);
    expect(t.commitWith(finishing, 200, false)).toBeNull();
    const { count, commit } = t.fittingPrefix(finishing, 200);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(finishing.length);
    expect(commit!.metadata.length).toBeLessThanOrEqual(200);
    // What was committed restores exactly: the prefix is skipped, nothing else is.
    const again = OffsetTracker.restore(commit!.offset, commit!.metadata);
    const done = new Set(finishing.slice(0, count));
    expect(acceptAll(again, 0, 2000)).toEqual(Array.from({ length: 2000 }, (_, i) => i).filter((o) => !done.has(o)));
  });

  test("at-least-once: a done set that does not fit is cut short (those records may come again), never lost the other way", () => {
    const t = OffsetTracker.restore("0", null);
    acceptAll(t, 0, 2000);
    const finishing = Array.from({ length: 999 }, (_, i) => 2 * i + 1);
    const commit = t.commitWith(finishing, 200, true)!;
    expect(commit.metadata.length).toBeLessThanOrEqual(200);
    const skipped = new Set(Array.from({ length: 2000 }, (_, i) => i));
    for (const o of acceptAll(OffsetTracker.restore(commit.offset, commit.metadata), 0, 2000)) skipped.delete(o);
    // Only finished records are ever skipped.
    for (const o of skipped) expect(o % 2).toBe(1);
    expect(skipped.size).toBeGreaterThan(0);
  });

  test("random completions: a restore skips exactly the committed done set", () => {
    const random = seededRandom(7);
    for (let round = 0; round < 50; round++) {
      const start = Math.floor(random() * 1e9);
      const t = OffsetTracker.restore(String(start), null);
      const taken: number[] = [];
      for (let o = start; o < start + 300; o++) if (random() < 0.8 && t.accept(String(o))) taken.push(o);
      const finished = taken.filter(() => random() < 0.7);
      const commit = t.commitWith(finished, 4096, false)!;
      const done = new Set(finished);
      const lowest = taken.find((o) => !done.has(o)) ?? start + 300;
      expect(Number(commit.offset)).toBe(taken.find((o) => !done.has(o)) ?? taken.at(-1)! + 1);
      const again = OffsetTracker.restore(commit.offset, commit.metadata);
      const retaken = taken.filter((o) => o >= lowest && again.accept(String(o)));
      expect(retaken).toEqual(taken.filter((o) => o >= lowest && !done.has(o)));
    }
  });

  test("offsets beyond 2^53 are refused rather than tracked inexactly", () => {
    expect(() => OffsetTracker.restore("9007199254740993", null)).toThrow(UnsafeOffsetError);
  });
});
