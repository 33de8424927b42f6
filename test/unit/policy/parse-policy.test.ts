import { createHash } from "node:crypto";
import { PolicyError, parsePolicy } from "@arbiter/shared/policy/index.js";

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
    expect(p).toMatchObject({ prefilter: "keywords", reasoningEffort: "low", escalationThreshold: 0.5, forums: ["*"], typos: false, signals: [], targets: [] });
    expect(p.rules).toEqual([{ id: "A1", escalate: false }]);
  });

  it.each([
    ["prefilter: sometimes", "prefilter", /must be one of keywords, all, off/],
    ["reasoning_effort: extreme", "reasoning_effort", /must be one of low, medium, high/],
    ["escalation_threshold: 1.5", "escalation_threshold", /from 0 to 1/],
    ['regexes: ["(unclosed"]', "regexes", /item 1 is not a valid regular expression/],
    ["colour: blue", "colour", /unknown field/],
    ["version: abc", "version", /computed from the file content/],
    ["signals: [hate]", "signals", /need a "targets" list/],
    ["typos: yes", "typos", /true or false/],
  ])("rejects %j naming the file and the field", (line, field, message) => {
    const text = `---\nid: cheats\ntitle: Cheats\nkeywords: [aimbot]\nrules: [CH0]\n${line}\n---\nbody\n`;
    let error: unknown;
    try {
      parsePolicy(text, "cheats.md");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).field).toBe(field);
    expect((error as PolicyError).message).toMatch(/^cheats\.md: field "/);
    expect((error as PolicyError).message).toMatch(message);
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
});
