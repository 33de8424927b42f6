import { highlightedText } from "@arbiter/shared/console/highlighted-text.js";
import { escapeHtml, html, trusted } from "@arbiter/shared/html/safe-html.js";

describe("escaping", () => {
  it("escapes markup characters, in text and in quoted attributes", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;\`</a>`)).toBe("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&#96;&lt;/a&gt;");
  });

  it("shows controls and bidirectional overrides as visible marks, keeps newlines, tabs and ordinary Unicode", () => {
    expect(escapeHtml("a\u202Eexe.gpj\u2066b\u0000c\u001bd\u0085")).toBe("a⟨U+202E⟩exe.gpj⟨U+2066⟩b⟨U+0000⟩c⟨U+001B⟩d⟨U+0085⟩");
    expect(escapeHtml("line 1\n\tline 2 — 外挂 🙂")).toBe("line 1\n\tline 2 — 外挂 🙂");
  });

  it("escapes every interpolation of the html template unless it is SafeHtml, and joins lists", () => {
    const name = `"><script>alert(1)</script>`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      `<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>`,
    );
    expect(html`<ul>${["<a>", html`<li>${"<b>"}</li>`, null, false, 3]}</ul>`.value).toBe("<ul>&lt;a&gt;<li>&lt;b&gt;</li>3</ul>");
    expect(html`${trusted("<hr>")}`.value).toBe("<hr>");
  });
});

describe("highlightedText", () => {
  it("marks each hit, escaping inside and outside the marks and in their titles", () => {
    const text = "<b>buy</b> an aimbot & a wallhack";
    const out = highlightedText(text, [
      { start: text.indexOf("aimbot"), end: text.indexOf("aimbot") + 6, label: "cheats: aimbot" },
      { start: text.indexOf("wallhack"), end: text.indexOf("wallhack") + 8, label: `cheats: "wall<hack>"` },
    ]).value;
    expect(out).toBe(
      '&lt;b&gt;buy&lt;/b&gt; an <mark title="cheats: aimbot">aimbot</mark> &amp; a <mark title="cheats: &quot;wall&lt;hack&gt;&quot;">wallhack</mark>',
    );
  });

  it("merges overlapping and touching hits, joining their labels, and clips hits outside the text", () => {
    const text = "free money now";
    const out = highlightedText(text, [
      { start: 0, end: 10, label: "spam: free money" },
      { start: 5, end: 10, label: "scam: money" },
      { start: 10, end: 14, label: "spam: now" },
      { start: 12, end: 99, label: "spam: ow" },
      { start: -5, end: 0, label: "nothing" },
    ]).value;
    expect(out).toBe('<mark title="spam: free money, scam: money, spam: now, spam: ow">free money now</mark>');
    expect(highlightedText("<x>", []).value).toBe("&lt;x&gt;");
  });
});
