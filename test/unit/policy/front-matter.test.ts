import { PolicyError, parseFrontMatter } from "@arbiter/shared/policy/index.js";
import { thrown } from "../../support/thrown.js";

const doc = (...lines: string[]): string => ["---", ...lines, "---", "", "# Body"].join("\n");

describe("parseFrontMatter", () => {
  it("parses scalars, flow lists over several lines, block lists and lists of maps", () => {
    const parsed = parseFrontMatter(
      doc(
        "id: spam   # trailing comment",
        'title: "Spam: the #1 problem"',
        "threshold: 0.7",
        "typos: true",
        "empty:",
        "keywords: [click here, \"a, b\", 'it''s',",
        "  免费, 50]",
        "forums:",
        "  - gaming",
        "  - reviews",
        "rules:",
        "  - id: SP0",
        "  - id: SP4",
        "    escalate: true",
      ),
      "spam.md",
    );
    expect(parsed.data).toEqual({
      id: "spam",
      title: "Spam: the #1 problem",
      threshold: 0.7,
      typos: true,
      empty: null,
      keywords: ["click here", "a, b", "it's", "免费", 50],
      forums: ["gaming", "reviews"],
      rules: [{ id: "SP0" }, { id: "SP4", escalate: true }],
    });
    expect(parsed.body).toBe("# Body");
  });

  it("accepts a block list at the same indentation as its key", () => {
    expect(parseFrontMatter("---\nforums:\n- a\n- b\nid: x\n---\n", "f.md").data).toEqual({ forums: ["a", "b"], id: "x" });
  });

  it("reads YAML the hand-written subset did not: block scalars, multi-line plain scalars, flow maps, quoted keys", () => {
    const parsed = parseFrontMatter(
      doc(
        "title: >-",
        "  Spam, scams",
        "  and phishing",
        "note: |",
        "  line one",
        "  line two",
        "summary: a plain scalar",
        "  over two lines",
        "rules: [SP0, {id: SP4, escalate: true}]",
        '"quoted key": 1',
        "typos: True",
      ),
      "f.md",
    );
    expect(parsed.data).toEqual({
      title: "Spam, scams and phishing",
      note: "line one\nline two\n",
      summary: "a plain scalar over two lines",
      rules: ["SP0", { id: "SP4", escalate: true }],
      "quoted key": 1,
      typos: true,
    });
  });

  it("skips a byte-order mark and reads CRLF files, counting lines the same", () => {
    const parsed = parseFrontMatter("\ufeff---\r\nid: x\r\nrules:\r\n  - A1\r\n---\r\nbody\r\n", "f.md");
    expect(parsed.data).toEqual({ id: "x", rules: ["A1"] });
    expect(parsed.body).toBe("body\n");
    expect(parsed.lineOf(["rules", 0])).toBe(4);
  });

  it("finds the file line of a key path, stopping at its last present part", () => {
    const parsed = parseFrontMatter(doc("id: x", "rules:", "  - A1", "  - id: A2", "    escalate: true"), "f.md");
    expect(parsed.lineOf(["id"])).toBe(2);
    expect(parsed.lineOf(["rules"])).toBe(3);
    expect(parsed.lineOf(["rules", 1])).toBe(5);
    expect(parsed.lineOf(["rules", 1, "escalate"])).toBe(6);
    expect(parsed.lineOf(["rules", 1, "id"])).toBe(5);
    expect(parsed.lineOf(["rules", 7])).toBe(3);
    expect(parsed.lineOf(["title"])).toBeUndefined();
  });

  it.each([
    ["no front matter", "# just text", "f.md:1: missing front matter", undefined],
    ["unclosed front matter", "---\nid: x\n", "f.md:1: front matter is not closed", undefined],
    [
      "an unclosed flow list",
      "---\nid: x\nkeywords: [a, b\ntitle: t\n---\n",
      "f.md:4: Flow sequence in block collection must be sufficiently indented and end with a ]",
      undefined,
    ],
    ["a duplicate key", "---\nid: a\ntitle: t\nid: b\n---\n", 'f.md:4: field "id": Map keys must be unique', "id"],
    ["a duplicate key in a rule", "---\nrules:\n  - id: A1\n    id: A2\n---\n", 'f.md:4: field "rules": Map keys must be unique', "rules"],
    ["a tab as indentation", "---\nrules:\n\t- A1\n---\n", "f.md:3: Tabs are not allowed as indentation", undefined],
    ["a line that is not key: value", "---\nid a\n---\n", 'f.md:2: front matter must be "key: value" lines', undefined],
    ["an unknown tag", "---\nid: x\ntitle: !shout t\n---\n", 'f.md:3: field "title": Unresolved tag: !shout', "title"],
    ["a key that is a list", "---\n[a, b]: x\n---\n", "f.md:2: keys must be names", undefined],
    ["a key that is a number", "---\nid: x\n12: x\n---\n", "f.md:3: keys must be names", undefined],
  ])("rejects %s with an error naming the file, the line and the field", (_name, text, message, field) => {
    const error = thrown(() => parseFrontMatter(text, "f.md"), PolicyError);
    expect(error.message.slice(0, message.length)).toBe(message);
    expect(error.field).toBe(field);
  });

  it('rejects anchors and aliases: an unquoted "*word" keyword is an alias in YAML', () => {
    const alias = thrown(() => parseFrontMatter(doc("id: x", "keywords: [spam, *cheat]"), "f.md"), PolicyError);
    expect(alias.message).toBe('f.md:3: field "keywords": *cheat reads as a YAML alias: quote a value that starts with "*" ("*cheat")');
    const anchor = thrown(() => parseFrontMatter(doc("forums: &f [gaming]", "id: x"), "f.md"), PolicyError);
    expect(anchor.message).toMatch(/^f\.md:2: field "forums": "&f" is a YAML anchor/);
    expect(parseFrontMatter(doc('keywords: ["*cheat", "&co"]'), "f.md").data).toEqual({ keywords: ["*cheat", "&co"] });
  });

  it("reads empty front matter as no fields", () => {
    expect(parseFrontMatter("---\n---\nbody", "f.md").data).toEqual({});
  });
});
