import { normalise } from "@arbiter/shared/prefilter/index.js";

/** The original text a normalised range came from. */
function source(original: string, normalisedStart: number, normalisedEnd: number): string {
  const n = normalise(original);
  return original.slice(n.offsets[normalisedStart], n.ends[normalisedEnd - 1]);
}

describe("normalise", () => {
  it.each([
    ["s.o.f.t-a.i.m", "softaim"],
    ["s o f t a i m", "softaim"],
    ["aaaimbooot", "aimbot"],
    ["AimBot", "aimbot"],
    ["ＡＩＭＢＯＴ", "aimbot"], // fullwidth
    ["𝐚𝐢𝐦𝐛𝐨𝐭", "aimbot"], // mathematical bold
    ["аimbоt", "aimbot"], // Cyrillic а and о
    ["αιmβοτ", "aimbot"], // Greek look-alikes
    ["ai\u200bm\u200dbo\u2066t", "aimbot"], // zero-width space, joiner, bidi isolate
    ["4imb0t", "aimbot"],
    ["$h!t", "shit"],
    ["Müßig café", "musig cafe"],
  ])("%j → %j", (input, expected) => {
    expect(normalise(input).text).toBe(expected);
  });

  it("leaves digits and punctuation alone when they are not inside a word", () => {
    expect(normalise("In 2024 it cost $5, wow!").text).toBe("in 2024 it cost $5, wow!");
  });

  it("does not join ordinary short words or fewer than three single letters", () => {
    expect(normalise("e.g. a cat").text).toBe("e.g. a cat");
    expect(normalise("I am a cat").text).toBe("i am a cat");
    expect(normalise("a b").text).toBe("a b");
  });

  it("collapses runs of whitespace and control characters into one space", () => {
    expect(normalise("  the\t\tquick\n\n\u0000fox  ").text).toBe("the quick fox");
  });

  it("maps every normalised character back to the original text", () => {
    const original = "Get the  AAAIMBOOOT here";
    const n = normalise(original);
    const at = n.text.indexOf("aimbot");
    expect(source(original, at, at + "aimbot".length)).toBe("AAAIMBOOOT");
    expect(n.offsets).toHaveLength(n.text.length);
  });

  it("maps a spaced-out word back to its whole original span, without trailing separators", () => {
    const original = "try s.o.f.t-a.i.m now";
    const n = normalise(original);
    expect(n.text).toBe("try softaim now");
    expect(source(original, 4, 8)).toBe("s.o.f.t");
    expect(source(original, 4, 11)).toBe("s.o.f.t-a.i.m");
  });

  it("maps astral characters to both halves of the surrogate pair", () => {
    const original = "x 𝐚𝐢𝐦 y";
    const n = normalise(original);
    expect(n.text).toBe("x aim y");
    expect(original.slice(n.offsets[2], n.ends[4])).toBe("𝐚𝐢𝐦");
  });

  it("turns lone surrogates into a replacement character instead of throwing", () => {
    expect(normalise("a\ud800b\udfffc").text).toBe("a\ufffdb\ufffdc");
  });

  it("keeps CJK and Thai text", () => {
    expect(normalise("我恨女人 ภาษาไทย").text).toBe("我恨女人 ภาษาไทย");
  });
});
