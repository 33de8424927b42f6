import { cutModelText, planWindows, windowOverlap, type TextSpan } from "@arbiter/shared/text/model-text.js";

/** No lone surrogate (in a `u` regex a whole pair is one code point, never a `Cs`). */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe("cutModelText", () => {
  it("leaves a post that fits as it is", () => {
    expect(cutModelText("abc", 3)).toEqual({ text: "abc", truncated: false });
    expect(cutModelText("", 3)).toEqual({ text: "", truncated: false });
  });

  it("cuts a longer post at maxChars", () => {
    expect(cutModelText("abcdef", 4)).toEqual({ text: "abcd", truncated: true });
  });

  it("never splits an emoji that straddles the cut", () => {
    // "ab😀cd": the emoji is the surrogate pair at indexes 2 and 3; a cut at 3 would keep its high half alone.
    const { text, truncated } = cutModelText("ab\u{1F600}cd", 3);
    expect(text).toBe("ab");
    expect(truncated).toBe(true);
    expect(wellFormed(text)).toBe(true);
  });

  it("keeps an emoji that ends exactly at the cut", () => {
    expect(cutModelText("ab\u{1F600}cd", 4)).toEqual({ text: "ab\u{1F600}", truncated: true });
  });

  it("keeps every cut of a post well formed", () => {
    const post = "\u{1F600}a\u{1F4A9}\u{1F4A9}b\u{10000}";
    for (let max = 1; max <= post.length; max++) {
      const { text, truncated } = cutModelText(post, max);
      expect(wellFormed(text)).toBe(true);
      expect(post.startsWith(text)).toBe(true);
      expect(text.length).toBeGreaterThanOrEqual(max - 1);
      expect(truncated).toBe(max < post.length);
    }
  });
});

describe("planWindows", () => {
  const text = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
  const joinedOverlap = (a: TextSpan, b: TextSpan) => Math.min(a.end, b.end) - Math.max(a.start, b.start);

  it("gives a text that fits one window, the whole of it", () => {
    expect(planWindows("short", { maxChars: 100, maxWindows: 4 })).toEqual({ windows: [{ start: 0, end: 5 }], needed: 1, complete: true });
  });

  it("covers a longer text with windows within the budget, each overlapping the next", () => {
    const t = text(2500);
    const plan = planWindows(t, { maxChars: 1000, maxWindows: 4 });
    expect(plan.complete).toBe(true);
    expect(plan.needed).toBe(3);
    const sorted = [...plan.windows].sort((a, b) => a.start - b.start);
    expect(sorted[0]!.start).toBe(0);
    expect(sorted.at(-1)!.end).toBe(2500);
    for (const w of sorted) expect(w.end - w.start).toBeLessThanOrEqual(1000);
    for (let i = 1; i < sorted.length; i++) expect(joinedOverlap(sorted[i - 1]!, sorted[i]!)).toBe(windowOverlap(1000));
  });

  it("keeps a phrase that straddles a window boundary whole in one window", () => {
    // Without overlap the cut at 1000 would split the phrase; with it, one window holds it all.
    const phrase = "sell you my aimbot";
    const t = `${text(990)}${phrase}${text(1000)}`;
    const windows = planWindows(t, { maxChars: 1000, maxWindows: 4 }).windows.map((w) => t.slice(w.start, w.end));
    expect(windows.some((w) => w.includes(phrase))).toBe(true);
  });

  it("reads the windows around the hits first", () => {
    const t = text(3000);
    const plan = planWindows(t, { maxChars: 1000, maxWindows: 4, hits: [{ start: 2900, end: 2910 }] });
    expect(plan.complete).toBe(true);
    expect(plan.windows[0]!.end).toBe(3000);
  });

  it("past maxWindows: a window centred on each hit first, then the text in order, and the plan is not complete", () => {
    const t = text(20_000);
    const plan = planWindows(t, {
      maxChars: 1000,
      maxWindows: 4,
      hits: [
        { start: 15_000, end: 15_010 },
        { start: 15_020, end: 15_030 },
      ],
    });
    expect(plan.complete).toBe(false);
    expect(plan.needed).toBeGreaterThan(4);
    expect(plan.windows).toHaveLength(4);
    // One window for both hits (the second lies inside the first's), centred on the first.
    expect(plan.windows[0]).toEqual({ start: 14_505, end: 15_505 });
    expect(plan.windows[1]!.start).toBe(0);
  });

  it("never splits a surrogate pair, at any budget, and never exceeds it", () => {
    const t = "\u{1F600}a\u{1F4A9}\u{1F4A9}b\u{10000}".repeat(40);
    for (let max = 2; max <= 40; max++) {
      const plan = planWindows(t, { maxChars: max, maxWindows: 1000, overlap: Math.floor(max / 4) });
      expect(plan.complete).toBe(true);
      for (const w of plan.windows) {
        const slice = t.slice(w.start, w.end);
        expect(wellFormed(slice)).toBe(true);
        expect(slice.length).toBeLessThanOrEqual(max);
        expect(slice.length).toBeGreaterThan(0);
      }
    }
  });

  it("names a bad budget", () => {
    expect(() => planWindows("abc", { maxChars: 1, maxWindows: 4 })).toThrow(/maxChars/);
    expect(() => planWindows("abc", { maxChars: 10, maxWindows: 0 })).toThrow(/maxWindows/);
  });
});
