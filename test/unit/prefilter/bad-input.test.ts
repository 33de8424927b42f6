import { Prefilter, normalise } from "@arbiter/shared/prefilter/index.js";
import { testPolicy } from "./policy-fixture.js";

const pf = new Prefilter(
  [
    testPolicy({ id: "cheats", keywords: ["aimbot", "a*", "*b", "*aaab*"], typos: true }),
    testPolicy({ id: "hate", signals: ["hate*"], targets: ["women"], regexes: ["https?://\\S+"] }),
  ],
  { maxModelChars: 1000 },
);

describe("prefilter on bad input", () => {
  it("handles the empty string", () => {
    const r = pf.match("");
    expect(r.anySendToModel).toBe(false);
    expect(r.normalisedText).toBe("");
    expect(r.modelText).toBe("");
  });

  it("scans a very long text to the end but caps what the model is sent", () => {
    const text = "harmless words ".repeat(100_000) + "aimbot";
    const r = pf.match(text);
    expect(r.anySendToModel).toBe(true);
    expect(r.truncated).toBe(true);
    expect(r.modelText).toHaveLength(1000);
    const hit = r.policies[0]?.hits.find((h) => h.term === "aimbot");
    expect(text.slice(hit?.start, hit?.end)).toBe("aimbot");
  });

  it("does not throw on lone surrogates, controls, mixed scripts and invisible characters", () => {
    for (const text of [
      "\ud800",
      "\udfff\ud800",
      "\u0000\u0001\u007f\u0085",
      "\u202e\u2066\u200b\ufeff",
      "Кириллица ελληνικά 中文 ไทย عربى 𝕬",
      "🙂".repeat(50) + "\ud83d",
    ]) {
      expect(() => pf.match(text)).not.toThrow();
      expect(() => normalise(text)).not.toThrow();
    }
  });

  it("bounds the time on a 1 MB adversarial string", () => {
    // Worst cases for each pass: endless single-letter joins, leet runs, a term prefix that
    // keeps matching, combining marks, surrogate soup and zero-width characters.
    const parts = [
      "a ".repeat(50_000),
      "1!".repeat(50_000),
      "aaab".repeat(25_000),
      "e\u0301".repeat(50_000),
      "\ud800x".repeat(50_000),
      "\u200b".repeat(100_000),
      "hate women ".repeat(20_000),
      "s.o.f.t-".repeat(20_000),
    ];
    const text = parts.join("").slice(0, 1_000_000);
    expect(text.length).toBeGreaterThan(900_000);
    const t0 = performance.now();
    const r = pf.match(text);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000);
    expect(r.policies.every((p) => p.hits.length <= 32)).toBe(true); // hits are capped
  });

  it("bounds the time on a 1 MB adversarial ASCII string (the ASCII paths)", () => {
    // All ASCII, so the fused ASCII passes read it: long leet runs (each character's fold
    // depends on the whole run), joins, repeats and hits.
    const parts = [
      "1!".repeat(200_000),
      "a ".repeat(50_000),
      "0$3@".repeat(25_000),
      "aaab".repeat(25_000),
      "h4te women ".repeat(10_000),
      "s.o.f.t-".repeat(20_000),
    ];
    const text = parts.join("").slice(0, 1_000_000);
    expect(text.length).toBeGreaterThan(900_000);
    const t0 = performance.now();
    const r = pf.match(text);
    normalise(text);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000);
    expect(r.policies.every((p) => p.hits.length <= 32)).toBe(true);
  });

  it("bounds the time on long leet runs either side of a separator in an ASCII post", () => {
    const half = "1!".repeat(250_000);
    for (const text of [`${half},${half}`, `${half}?x${half}`, `${"ab ".repeat(100_000)},${half}`]) {
      const t0 = performance.now();
      pf.match(text);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });
});
