import { createHash } from "node:crypto";
import { PolicyError, parsePolicy } from "@arbiter/shared/policy/index.js";
import { thrown } from "../../support/thrown.js";

const valid = `---
id: cheats
title: Cheats
keywords: [aimbot, 外挂]
regexes: ["https?://"]
prefilter: keywords
reasoning_effort: medium
escalation_threshold: 0.75
forums: [gaming]
rules:
  - id: CH0
  - id: CH4
    escalate: true
---
# Instructions
Body text.
`;

describe("parsePolicy", () => {
  it("reads every field and versions the policy by the hash of its content", () => {
    const p = parsePolicy(valid, "config/policies/cheats.md");
    expect(p).toMatchObject({
      id: "cheats",
      title: "Cheats",
      keywords: ["aimbot", "外挂"],
      regexes: ["https?://"],
      prefilter: "keywords",
      reasoningEffort: "medium",
      escalationThreshold: 0.75,
      forums: ["gaming"],
      rules: [
        { id: "CH0", escalate: false },
        { id: "CH4", escalate: true },
      ],
      source: "config/policies/cheats.md",
    });
    expect(p.body).toBe("# Instructions\nBody text.\n");
    expect(p.version).toBe(createHash("sha256").update(valid).digest("hex").slice(0, 16));
  });

  it("gives a new version for any edit, even in the body", () => {
    expect(parsePolicy(valid.replace("Body text.", "Body text!"), "x").version).not.toBe(parsePolicy(valid, "x").version);
  });

  it("defaults the optional fields", () => {
    const p = parsePolicy("---\nid: a\ntitle: A\nkeywords: [x]\nrules: [A1]\n---\nbody", "a.md");
    expect(p).toMatchObject({ prefilter: "keywords", reasoningEffort: null, escalationThreshold: 0.5, forums: ["*"], typos: false, signals: [], targets: [] });
    expect(p.rules).toEqual([{ id: "A1", escalate: false }]);
  });

  it.each([
    ["prefilter: sometimes", "prefilter", /must be one of keywords, all, off/],
    ["reasoning_effort: extreme", "reasoning_effort", /must be one of low, medium, high/],
    ["escalation_threshold: 1.5", "escalation_threshold", /from 0 to 1/],
    ["escalation_threshold: 2", "escalation_threshold", /from 0 to 1/],
    ['escalation_threshold: "0.7"', "escalation_threshold", /must be a number/],
    ['regexes: ["(unclosed"]', "regexes", /item 1 "\(unclosed" of policy "cheats" cannot be used: it is not a valid regular expression/],
    ['regexes: ["a(?=b)"]', "regexes", /item 1 "a\(\?=b\)" of policy "cheats" cannot be used: lookahead \(\?=…\): lookarounds need a backtracking engine/],
    ['regexes: ["(?<!x)y"]', "regexes", /item 1 "\(\?<!x\)y" of policy "cheats" cannot be used: lookbehind/],
    ['regexes: ["(a)\\\\1"]', "regexes", /item 1 "\(a\)\\\\1" of policy "cheats" cannot be used: back-reference \\1/],
    ["colour: blue", "colour", /unknown field/],
    ["version: abc", "version", /computed from the file content/],
    ["signals: [hate]", "signals", /need a "targets" list/],
    ["typos: yes", "typos", /true or false/],
    ["forums: []", "forums", /at least one forum/],
    ["targets: gay", "targets", /must be a list/],
    ["actions: [hide, banner]", "actions", /exactly one of hide, review, banner/],
    ["actions: [page]", "actions", /exactly one of hide, review, banner/],
    ["actions: delete", "actions", /item 1 must be one of hide, review, banner, page/],
  ])("rejects %j naming the file, the line of the key and the field", (line, field, message) => {
    // The sixth line of the file.
    const text = `---\nid: cheats\ntitle: Cheats\nkeywords: [aimbot]\nrules: [CH0]\n${line}\n---\nbody\n`;
    const error = thrown(() => parsePolicy(text, "cheats.md"), PolicyError);
    expect(error.field).toBe(field);
    expect(error.line).toBe(6);
    expect(error.message).toMatch(new RegExp(`^cheats\\.md:6: field "${field}": `));
    expect(error.message).toMatch(message);
  });

  it("names the line of the offending list item or rule, not only of its key", () => {
    const policy = (...lines: string[]): string => ["---", "id: a", "title: A", ...lines, "---", "body"].join("\n");
    const cases: [string, string, string][] = [
      [policy("keywords:", "  - spam", "  - 12.5", "  - ''", "rules: [A1]"), 'a.md:7: field "keywords": item 3 must be a non-empty string', "keywords"],
      [
        policy("keywords: [x]", "regexes:", '  - "ok"', '  - "(bad"', "rules: [A1]"),
        'a.md:7: field "regexes": item 2 "(bad" of policy "a" cannot be used: it is not a valid regular expression',
        "regexes",
      ],
      [policy("keywords: [x]", "rules:", "  - id: A1", "  - escalate: true"), 'a.md:7: field "rules": item 2 needs an "id"', "rules"],
      [
        policy("keywords: [x]", "rules:", "  - id: A1", "    escalate: true", "  - id: A2", "    severe: true"),
        'a.md:9: field "rules": item 2: unknown key "severe"',
        "rules",
      ],
      [policy("keywords: [x]", "rules:", "  - id: A1", "    escalate: sometimes"), 'a.md:7: field "rules": item 1: "escalate" must be true or false', "rules"],
      [policy("keywords: [x]", "rules:", "  - A1", "  - B2", "  - A1"), 'a.md:8: field "rules": duplicate rule id "A1"', "rules"],
      [policy("keywords: [x]", "rules: [A1, [B2]]"), 'a.md:5: field "rules": item 2 must be a rule id or {id, escalate}', "rules"],
    ];
    for (const [text, message, field] of cases) {
      const error = thrown(() => parsePolicy(text, "a.md"), PolicyError);
      expect(error.message.slice(0, message.length)).toBe(message);
      expect(error.field).toBe(field);
    }
  });

  it("gives no line for a field that is missing", () => {
    const error = thrown(() => parsePolicy("---\nid: a\nkeywords: [x]\nrules: [A1]\n---\n", "a.md"), PolicyError);
    expect(error.message).toBe('a.md: field "title": is required');
    expect(error.line).toBeUndefined();
  });

  it("keeps a keyword list's numbers as keywords, as the hand-written parser did", () => {
    expect(parsePolicy('---\nid: a\ntitle: A\nkeywords: [50, 1.5, "007"]\nrules: [A1]\n---\n', "a.md").keywords).toEqual(["50", "1.5", "007"]);
  });

  it("takes YAML block scalars and flow-map rules", () => {
    const p = parsePolicy("---\nid: a\ntitle: >-\n  Spam, scams\n  and phishing\nkeywords: [x]\nrules: [A1, {id: A2, escalate: true}]\n---\n", "a.md");
    expect(p.title).toBe("Spam, scams and phishing");
    expect(p.rules).toEqual([
      { id: "A1", escalate: false },
      { id: "A2", escalate: true },
    ]);
  });

  it("requires rules and, in keywords mode, something to match", () => {
    expect(() => parsePolicy("---\nid: a\ntitle: A\nkeywords: [x]\n---\n", "a.md")).toThrow(/a\.md: field "rules": is required/);
    expect(() => parsePolicy("---\nid: a\ntitle: A\nrules: [A1]\n---\n", "a.md")).toThrow(/field "keywords"/);
    expect(parsePolicy("---\nid: a\ntitle: A\nprefilter: all\nrules: [A1]\n---\n", "a.md").prefilter).toBe("all");
  });

  it("rejects duplicate rule ids and unknown rule keys", () => {
    expect(() => parsePolicy("---\nid: a\ntitle: A\nkeywords: [x]\nrules: [A1, A1]\n---\n", "a.md")).toThrow(/duplicate rule id "A1"/);
    expect(() => parsePolicy("---\nid: a\ntitle: A\nkeywords: [x]\nrules:\n  - id: A1\n    severe: true\n---\n", "a.md")).toThrow(/unknown key "severe"/);
  });

  it("reads the actions on violate: hide by default, review, banner, page beside any of them", () => {
    const policy = (line: string) => parsePolicy(`---\nid: a\ntitle: A\nkeywords: [x]\nrules: [A1]\n${line}\n---\n`, "a.md");
    expect(policy("")).toMatchObject({ onViolate: "hide", page: false });
    expect(policy("actions: review")).toMatchObject({ onViolate: "review", page: false });
    expect(policy("actions: [banner, page]")).toMatchObject({ onViolate: "banner", page: true });
    expect(policy("actions:\n  - page\n  - hide")).toMatchObject({ onViolate: "hide", page: true });
  });

  it("names the line of a bad or repeated action", () => {
    const text = "---\nid: a\ntitle: A\nkeywords: [x]\nrules: [A1]\nactions:\n  - banner\n  - page\n  - page\n---\n";
    const error = thrown(() => parsePolicy(text, "a.md"), PolicyError);
    expect(error.message).toBe('a.md:9: field "actions": "page" is listed twice');
  });
});
