import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { deprecatedIdAtFile, parsePolicyRef } from "@arbiter/shared/policy/policy-ref.js";

describe("parsePolicyRef: the one grammar of --policy and --against", () => {
  it("ID: a policy id (lower-case letters, digits, - and _)", () => {
    expect(parsePolicyRef("spam")).toEqual({ kind: "id", id: "spam" });
    expect(parsePolicyRef("hate-speech_2")).toEqual({ kind: "id", id: "hate-speech_2" });
    expect(parsePolicyRef("18plus")).toEqual({ kind: "id", id: "18plus" });
  });

  it("ID@VERSION: a version the registry keeps, or a prefix of one", () => {
    expect(parsePolicyRef("spam@f8ccf4637e5afb28")).toEqual({ kind: "version", id: "spam", version: "f8ccf4637e5afb28" });
    expect(parsePolicyRef("spam@f8cc")).toEqual({ kind: "version", id: "spam", version: "f8cc" });
    // Too short or unknown is the registry's to say (it lists the versions it keeps).
    expect(parsePolicyRef("spam@v2")).toEqual({ kind: "version", id: "spam", version: "v2" });
  });

  it("FILE: a path ending in .md or holding a path separator", () => {
    expect(parsePolicyRef("drafts/spam.md")).toEqual({ kind: "file", path: "drafts/spam.md" });
    expect(parsePolicyRef("spam.md")).toEqual({ kind: "file", path: "spam.md" });
    expect(parsePolicyRef("SPAM.MD")).toEqual({ kind: "file", path: "SPAM.MD" });
    expect(parsePolicyRef("./spam")).toEqual({ kind: "file", path: "./spam" });
    expect(parsePolicyRef("drafts\\spam.txt")).toEqual({ kind: "file", path: "drafts\\spam.txt" });
    expect(parsePolicyRef("/tmp/x/spam-draft")).toEqual({ kind: "file", path: "/tmp/x/spam-draft" });
    // An @ in a file name does not make it ID@VERSION: the part before it is no id.
    expect(parsePolicyRef("drafts/spam@2.md")).toEqual({ kind: "file", path: "drafts/spam@2.md" });
    expect(parsePolicyRef("Spam@draft.md")).toEqual({ kind: "file", path: "Spam@draft.md" });
  });

  it("FILE: any other existing file (no id has a dot), but never one that reads as an id", () => {
    const isFile = (p: string) => ["spam.txt", "spam", "spam@f8cc"].includes(p);
    expect(parsePolicyRef("spam.txt", "--policy", isFile)).toEqual({ kind: "file", path: "spam.txt" });
    expect(parsePolicyRef("spam", "--policy", isFile)).toEqual({ kind: "id", id: "spam" });
    expect(parsePolicyRef("spam@f8cc", "--policy", isFile)).toEqual({ kind: "version", id: "spam", version: "f8cc" });
  });

  it("ID@FILE, the old draft form, still works: the file must hold policy ID, and it warns", () => {
    expect(parsePolicyRef("spam@drafts/spam.md")).toEqual({
      kind: "file",
      path: "drafts/spam.md",
      expectedId: "spam",
      warning: deprecatedIdAtFile("--policy"),
    });
    expect(parsePolicyRef("spam@draft.md")).toMatchObject({ kind: "file", path: "draft.md", expectedId: "spam" });
    expect(parsePolicyRef("spam@/tmp/draft", "--against")).toEqual({
      kind: "file",
      path: "/tmp/draft",
      expectedId: "spam",
      warning: deprecatedIdAtFile("--against"),
    });
    expect(deprecatedIdAtFile("--policy")).toBe("--policy ID@FILE is deprecated: name the file alone; its id comes from its front matter");
  });

  it("errors name the option and the input", () => {
    const error = (ref: string, option?: string) => {
      try {
        parsePolicyRef(ref, option);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`${ref} parsed`);
    };
    expect(error("")).toBe("--policy: empty; give ID, ID@VERSION or a policy FILE");
    expect(error("Spam", "--against")).toMatch(/^--against Spam: no policy id \(lower-case letters, digits, - or _\), ID@VERSION or policy file/);
    expect(error("spam.v2")).toMatch(/^--policy spam\.v2: no policy id .* and no such file$/);
    expect(error("spam@")).toBe("--policy spam@: no version after the @ (ID@VERSION: a version the registry keeps, or at least 4 characters of one)");
    expect(error("spam@a@b")).toMatch(/^--policy spam@a@b: "a@b" is no version/);
    expect(error("spam@f8 cc")).toMatch(/^--policy spam@f8 cc: "f8 cc" is no version/);
    expect(error("@f8cc")).toBe("--policy @f8cc: no policy id before the @ (lower-case letters, digits, - or _)");
    expect(error("Spam@f8cc")).toBe('--policy Spam@f8cc: "Spam" is no policy id (lower-case letters, digits, - or _)');
  });
});
