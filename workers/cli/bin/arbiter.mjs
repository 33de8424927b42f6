#!/usr/bin/env node
// `npx arbiter`: runs the compiled CLI (dist/workers/cli/main.js) when `npm run build` made it and
// no source is newer than the build (the same test as `scripts/build.sh --if-stale`); otherwise
// the TypeScript sources through tsx, so a fresh `npm ci` or an edited source needs no build.
// ARBITER_CLI=dist or ARBITER_CLI=source forces one.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const built = path.join(root, "dist/workers/cli/main.js");
const stamp = path.join(root, "dist/.built");

/** True when some file under `dir` (node_modules aside) changed after `since`. */
function newerIn(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? newerIn(full, since) : statSync(full).mtimeMs > since) return true;
  }
  return false;
}

function distIsFresh() {
  if (!existsSync(built) || !existsSync(stamp)) return false;
  const since = statSync(stamp).mtimeMs;
  const files = ["tsconfig.base.json", "tsconfig.build.json", "scripts/build.sh"].map((f) => path.join(root, f));
  return (
    !files.some((f) => existsSync(f) && statSync(f).mtimeMs > since) &&
    !newerIn(path.join(root, "shared"), since) &&
    !newerIn(path.join(root, "workers"), since)
  );
}

const mode = process.env.ARBITER_CLI ?? (distIsFresh() ? "dist" : "source");
if (mode === "dist") {
  await import(pathToFileURL(built).href);
} else {
  const tsx = await import("tsx/esm/api").catch(() => null);
  if (tsx === null) {
    process.stderr.write("arbiter: dist/ is missing or older than the sources, and tsx (a dev dependency) is not installed: run `npm run build`\n");
    process.exit(1);
  }
  tsx.register();
  await import(pathToFileURL(path.join(root, "workers/cli/main.ts")).href);
}
