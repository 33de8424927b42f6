import { existsSync } from "node:fs";
import path from "node:path";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

// The small models scripts/models.sh puts in ./models, for the tests, the benches and the demo.

export const testModels = {
  tinyLlama: "llama-tiny-random.gguf",
  gemma: "gemma-3-270m-q4_k_m.gguf",
  harmonyTiny: "harmony-tiny-random.gguf",
  /** gpt-oss-20b's metadata and o200k_harmony tokenizer, no tensors (make-harmony-model.py --shape gpt-oss-20b --vocab-only). */
  gptOss20bVocab: "gpt-oss-20b-shape-vocab.gguf",
} as const;

/** Path of a test model; throws (never skips) when it is missing. */
export function modelPath(file: string): string {
  const p = path.join(process.env.ARBITER_MODELS_DIR ?? resolveFromRoot("models"), file);
  if (!existsSync(p)) throw new Error(`test model ${p} is missing: run \`bash scripts/models.sh\``);
  return p;
}

/** Public test data kept in the repo (each folder's README gives its source and licence). */
export const fixturesDir = resolveFromRoot("test/fixtures");
