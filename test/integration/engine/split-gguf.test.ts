// A split GGUF, as pull-models.sh writes the 120b: written here by the project's own script
// (make-harmony-model.py --split, gguf's writer as llama.cpp's gguf-split names the parts), found
// by its first part's name, loaded through node-llama-cpp and classifying a post.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SafeguardEngine } from "@arbiter/shared/engine/engine.js";
import { assertGgufFile, modelFileParts } from "@arbiter/shared/engine/model-files.js";
import { ModelLoadError } from "@arbiter/shared/engine/errors/model-load-error.js";
import { repoRoot } from "../../support/env.js";

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-split-"));
const first = path.join(dir, "harmony-split-00001-of-00003.gguf");
let engine: SafeguardEngine | undefined;

beforeAll(() => {
  execFileSync("python3", [path.join(repoRoot, "scripts/make-harmony-model.py"), path.join(dir, "harmony-split.gguf"), "--split", "3"], { stdio: "pipe" });
}, 60_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test("the script writes three parts named as gguf-split names them", () => {
  expect(modelFileParts(first)).toEqual([1, 2, 3].map((i) => path.join(dir, `harmony-split-0000${i}-of-00003.gguf`)));
});

test("a split GGUF loads from its first part and classifies a post", async () => {
  engine = await SafeguardEngine.load({
    modelPath: first,
    gpu: false,
    threads: 1,
    contextSize: 2048,
    analysisBudget: { low: 8, medium: 16, high: 32 },
    finalMaxTokens: 256,
    rationaleMaxChars: 40,
    maxRuleIds: 2,
  });
  expect(engine.promptFormat).toBe("harmony");
  const [verdict] = await engine.classify({
    postText: "Buy cheap followers now at example.com!!!",
    policies: [{ id: "spam", version: "v1", text: "## Instructions\nFlag spam.\n## Violates (1)\n- SP1: ads", effort: "low", ruleIds: ["SP1"] }],
  });
  expect(verdict!.policyId).toBe("spam");
  expect(["violate", "allow"]).toContain(verdict!.decision);
  expect(verdict!.promptTokens).toBeGreaterThan(20);
}, 120_000);

test("a missing part, a later part, or the unsplit name fail before llama.cpp, each naming what to do", async () => {
  const second = path.join(dir, "harmony-split-00002-of-00003.gguf");
  await expect(assertGgufFile(second)).rejects.toThrow(/is part 00002 of a split GGUF: point the setting at the first part, .*-00001-of-00003\.gguf/);
  await expect(assertGgufFile(path.join(dir, "harmony-split.gguf"))).rejects.toThrow(
    /file not found; a split GGUF is named by its first part: point the setting at .*harmony-split-00001-of-00003\.gguf/,
  );
  const third = path.join(dir, "harmony-split-00003-of-00003.gguf");
  renameSync(third, `${third}.away`);
  try {
    const error = await assertGgufFile(first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/split GGUF part harmony-split-00003-of-00003\.gguf is missing beside the first \(3 parts\)/);
  } finally {
    renameSync(`${third}.away`, third);
  }
});
