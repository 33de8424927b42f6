import { cutModelText } from "@arbiter/shared/text/model-text.js";

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
