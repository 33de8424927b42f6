import { spawn, type ChildProcess } from "node:child_process";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { repoRoot } from "./env.js";

/** The classifier worker as its own process (for kill -9 tests), configured through the environment. */
export function spawnWorker(config: ArbiterConfig, logFile?: NodeJS.WritableStream): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "workers/classifier/main.ts"], {
    cwd: repoRoot,
    env: { ...process.env, ARBITER_CONFIG_JSON: JSON.stringify(config), NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (logFile) {
    child.stdout?.pipe(logFile, { end: false });
    child.stderr?.pipe(logFile, { end: false });
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Resolves when the child prints a line matching `pattern` (its logs are JSON lines). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not print ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      if (pattern.test(chunk.toString())) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
  });
}
