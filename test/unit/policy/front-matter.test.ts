import { PolicyError, parseFrontMatter } from "@arbiter/shared/policy/index.js";

describe("parseFrontMatter", () => {
  it("parses scalars, flow lists over several lines, block lists and lists of maps", () => {
    const doc = parseFrontMatter(
      [
        "---",
        "id: spam   # trailing comment",
        'title: "Spam: the #1 problem"',
        "threshold: 0.7",
        "typos: true",
        "empty:",
        'keywords: [click here, "a, b", \'it\'\'s\',',
        "  免费, 50]",
        "forums:",
        "  - gaming",
        "  - reviews",
        "rules:",
        "  - id: SP0",
        "  - id: SP4",
        "    escalate: true",
        "---",
        "",
        "# Body",
      ].join("\n"),
      "spam.md",
    );
    expect(doc.data).toEqual({
      id: "spam",
      title: "Spam: the #1 problem",
      threshold: 0.7,
      typos: true,
      empty: null,
      keywords: ["click here", "a, b", "it's", "免费", 50],
      forums: ["gaming", "reviews"],
      rules: [{ id: "SP0" }, { id: "SP4", escalate: true }],
    });
    expect(doc.body).toBe("# Body");
  });

  it("accepts a block list at the same indentation as its key", () => {
    expect(parseFrontMatter("---\nforums:\n- a\n- b\nid: x\n---\n", "f.md").data).toEqual({ forums: ["a", "b"], id: "x" });
  });

  it.each([
    ["no front matter", "# just text", /f\.md: missing front matter/],
    ["unclosed front matter", "---\nid: x\n", /f\.md: front matter is not closed/],
    ["an unclosed list", "---\nkeywords: [a, b\n---\n", /f\.md: line 2: list "\[" is not closed/],
    ["a duplicate key", "---\nid: a\nid: b\n---\n", /f\.md: line 3: duplicate key "id"/],
    ["a line that is not key: value", "---\nid a\n---\n", /f\.md: line 2: expected "key: value"/],
    ["tabs", "---\nid:\tx\n---\n", /f\.md: line 2: tabs/],
  ])("rejects %s with an error naming the file and line", (_name, text, message) => {
    expect(() => parseFrontMatter(text, "f.md")).toThrow(PolicyError);
    expect(() => parseFrontMatter(text, "f.md")).toThrow(message);
  });
});
