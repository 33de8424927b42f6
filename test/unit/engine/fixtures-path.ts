import path from "node:path";
import { existsSync } from "node:fs";

/** The project root (this file lives in test/unit/engine). */
export const repoRoot = path.resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../../..");

/** The shared read-only fixtures, overridable with ARBITER_FIXTURES. */
export const fixturesDir = process.env.ARBITER_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures");

/** The 1.7 MB random llama: ./models copy if present, else the shared fixture. */
export function tinyLlamaPath(): string {
  const local = path.join(repoRoot, "models", "llama-2-tiny-random.gguf");
  return existsSync(local) ? local : path.join(fixturesDir, "models", "llama-2-tiny-random.gguf");
}
