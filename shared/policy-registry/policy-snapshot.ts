import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { StoredPolicy } from "./policy-registry.js";

/** The last policy set a worker read from the registry, kept on local disk for a start while Redis is down. */
export interface PolicySnapshot {
  /** Epoch ms of the read. */
  savedAt: number;
  /** The registry's key prefix: a snapshot of another registry is not used. */
  registry: string;
  policies: StoredPolicy[];
}

/** Writes the snapshot whole or not at all (a temporary file renamed over the old one). */
export async function writeSnapshot(file: string, snapshot: PolicySnapshot): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(snapshot)}\n`);
  await rename(temporary, file);
}

/** The snapshot in `file`, or why there is none usable (missing, unreadable, of another registry). */
export async function readSnapshot(file: string, registry: string): Promise<PolicySnapshot | { problem: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { problem: `no snapshot at ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  try {
    const snapshot = JSON.parse(text) as PolicySnapshot;
    if (!Array.isArray(snapshot.policies) || typeof snapshot.savedAt !== "number") return { problem: `${file} is not a policy snapshot` };
    if (snapshot.registry !== registry) return { problem: `${file} is a snapshot of registry "${snapshot.registry}", not "${registry}"` };
    return snapshot;
  } catch (error) {
    return { problem: `${file} is not JSON (${(error as Error).message})` };
  }
}
