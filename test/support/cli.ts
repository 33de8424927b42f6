import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { repoRoot } from "./env.js";

/** The bin npm links for the workspace (node_modules/.bin/arbiter), as `npx arbiter` runs it. */
export const arbiterBin = path.join(repoRoot, "node_modules", ".bin", "arbiter");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `arbiter <args>` as its own process; jest's NODE_OPTIONS stay out of it. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(arbiterBin, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs `arbiter <args>` to its end and returns its exit code and output. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliRun> {
  const child = spawnCli(args, env);
  return finished(child, timeoutMs, args);
}

/** Collects a started CLI process's output until it exits (killed, and rejected, after `timeoutMs`). */
export function finished(child: ChildProcess, timeoutMs: number, args: readonly string[] = []): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`arbiter ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    // "close", not "exit": by then the pipes have given up their last chunks.
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
