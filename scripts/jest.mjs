#!/usr/bin/env node
// Runs jest with the VM-modules flag that ESM test files (and ESM-only node-llama-cpp) need.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const jestBin = path.join(path.dirname(require.resolve("jest/package.json")), "bin", "jest.js");
const nodeOptions = [process.env.NODE_OPTIONS ?? "", "--experimental-vm-modules", "--no-warnings=ExperimentalWarning"].join(" ").trim();
const result = spawnSync(process.execPath, [jestBin, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
process.exit(result.status ?? 1);
