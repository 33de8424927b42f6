import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PartitionRange } from "./replay-range.js";

/** What a replay is, fixed at its first start and read again on a resume: the same command decides the same posts under the same version. */
export interface ReplayPlan {
  replayId: string;
  /** The candidate as named on the command line, and the version it resolved to. */
  policyRef: string;
  candidate: string;
  policySetVersion: string;
  from: string;
  to: string | null;
  forumId: string | null;
  apply: boolean;
  postsTopic: string;
  ranges: PartitionRange[];
  /** Where the shadow topic ended when the replay was planned: its decisions are written after. */
  shadowStart: { partition: number; offset: string }[];
  createdAt: string;
}

/** The replay id a command names: a hash of the candidate version and the range as given, so running the same command again resumes. */
export function replayIdFor(parts: { candidate: string; from: string; to: string | null; forumId: string | null; apply: boolean; postsTopic: string }): string {
  const h = createHash("sha256").update(JSON.stringify([parts.candidate, parts.from, parts.to, parts.forumId, parts.apply, parts.postsTopic]));
  return `r-${h.digest("hex").slice(0, 12)}`;
}

const planFile = (dir: string, replayId: string) => path.join(dir, `${replayId}.json`);

export function readPlan(dir: string, replayId: string): ReplayPlan | null {
  try {
    return JSON.parse(readFileSync(planFile(dir, replayId), "utf8")) as ReplayPlan;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Written whole or not at all (a kill mid-write leaves the old file or none). */
export function writePlan(dir: string, plan: ReplayPlan): void {
  mkdirSync(dir, { recursive: true });
  const file = planFile(dir, plan.replayId);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(plan, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
