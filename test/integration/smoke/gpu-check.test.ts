// scripts/gpu-check.sh's CI smoke run (`--cpu`: the tiny harmony model, on the CPU), so the GPU
// check does not rot between the rare runs on a GPU: every effort runs, and the JSON line carries
// each figure the GPU run reports. The figures themselves are the CPU's, not a GPU's.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { modelPath, repoRoot, testModels } from "../../support/env.js";

test("gpu-check.sh --cpu runs bench:gpu at low, medium and high effort over the shipped pack and ends with its JSON line", async () => {
  const { stdout, stderr } = await promisify(execFile)("bash", ["scripts/gpu-check.sh", "--cpu"], {
    cwd: repoRoot,
    env: { ...process.env, ARBITER_GPU_CHECK_MODEL: modelPath(testModels.harmonyTiny) },
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    bench: string;
    backend: string;
    sequences: number[];
    policies: string[];
    cells: Array<Record<string, number | string>>;
    skipped: string[];
  };
  expect(result).toMatchObject({ bench: "gpu", backend: "cpu", sequences: [1, 2], skipped: [] });
  expect(result.policies.length).toBe(10);
  expect(result.cells.map((c) => `${c.effort}/${c.sequences}`)).toEqual(["low/1", "low/2", "medium/1", "medium/2", "high/1", "high/2"]);
  for (const cell of result.cells) {
    for (const key of ["posts_per_s", "p50_ms", "p95_ms", "prompt_tokens_per_s", "generated_tokens_per_s", "prompt_tokens_per_post"])
      expect({ key, positive: (cell[key] as number) > 0 }).toEqual({ key, positive: true });
    expect(cell.p95_ms as number).toBeGreaterThanOrEqual(cell.p50_ms as number);
    expect(cell.posts).toBe(cell.sequences);
    expect(cell.post).toBe("median");
  }
  expect(stderr).toMatch(/\[bench:gpu\] low +median ×1 .* posts\/s, p50 \d+ ms, p95 \d+ ms, prompt [\d.]+ tok\/s/);
}, 240_000);
