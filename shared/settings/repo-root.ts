import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Relative paths in settings resolve here: ARBITER_ROOT, else the checkout (this file is shared/settings/, or dist/shared/settings/ when built). */
const repoRoot = process.env.ARBITER_ROOT ?? path.resolve(here, path.basename(path.resolve(here, "../..")) === "dist" ? "../../.." : "../..");
/** Generated from the schema (`npm run config:defaults`): documentation, not read at start. */
export const defaultConfigPath = path.join(repoRoot, "config", "default.json");

/** Resolves a path setting against the repository root (absolute paths stay as they are). */
export function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(repoRoot, p);
}
