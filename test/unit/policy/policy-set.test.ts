import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PolicySet, loadPolicyDir, parsePolicy } from "@arbiter/shared/policy/index.js";

const policy = (id: string, extra = ""): string => `---\nid: ${id}\ntitle: ${id}\nkeywords: [x]\nrules: [R1]\n${extra}---\nbody of ${id}\n`;

describe("PolicySet", () => {
  const a = parsePolicy(policy("a"), "a.md");
  const b = parsePolicy(policy("b", "forums: [gaming]\n"), "b.md");

  it("has a version that ignores order but changes with any member", () => {
    expect(new PolicySet([a, b]).version).toBe(new PolicySet([b, a]).version);
    const b2 = parsePolicy(policy("b", "forums: [gaming, chess]\n"), "b.md");
    expect(new PolicySet([a, b2]).version).not.toBe(new PolicySet([a, b]).version);
    expect(new PolicySet([a]).version).not.toBe(new PolicySet([a, b]).version);
  });

  it("routes by forum: '*' everywhere, named forums only there", () => {
    const set = new PolicySet([a, b]);
    expect(set.forForum("gaming").map((p) => p.id)).toEqual(["a", "b"]);
    expect(set.forForum("cooking").map((p) => p.id)).toEqual(["a"]);
  });

  it("rejects two policies with one id", () => {
    expect(() => new PolicySet([a, parsePolicy(policy("a"), "other.md")])).toThrow(/duplicate policy id "a"/);
  });
});

describe("loadPolicyDir", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "policies-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads <id>.md files, skipping README and _drafts", async () => {
    await writeFile(path.join(dir, "b.md"), policy("b"));
    await writeFile(path.join(dir, "a.md"), policy("a"));
    await writeFile(path.join(dir, "README.md"), "# not a policy");
    await writeFile(path.join(dir, "_draft.md"), "# not yet");
    expect((await loadPolicyDir(dir)).map((p) => p.id)).toEqual(["a", "b"]);
  });

  it("names the file when the id does not match its name", async () => {
    await writeFile(path.join(dir, "spam.md"), policy("scam"));
    await expect(loadPolicyDir(dir)).rejects.toThrow(`${path.join(dir, "spam.md")}: field "id": "scam" does not match the file name "spam.md"`);
  });
});
