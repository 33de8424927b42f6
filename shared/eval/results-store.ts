import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PostResult } from "./policy-evaluator.js";

/** Everything a post's result depends on; two runs with equal keys may share results. */
export interface RunKey {
  /** SHA-256 of the dataset file's bytes, and the fields read from it. */
  dataset: { sha256: string; textField: string; idField: string };
  policy: { id: string; version: string };
  effort: string | null;
  /** The model file (a changed file is another model) and the settings that change what it answers. */
  model: { id: string; bytes: number; modifiedMs: number };
  settings: Record<string, unknown>;
}

/** A stable name for a run key: 16 hex characters of a SHA-256 over its JSON. */
export function runKeyId(key: RunKey): string {
  return createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 16);
}

/**
 * The per-post results of one run key, kept as JSON lines (`<dir>/<policy>-<key id>.jsonl`,
 * the key itself on the first line), appended as each post finishes: an interrupted run loses
 * only the posts in flight, and the next run with the same key starts from what is there.
 */
export class ResultsStore {
  private readonly results = new Map<string, PostResult>();

  private constructor(readonly file: string) {}

  /** Opens the store of `key` in `dir`; without `resume` earlier results are discarded first. */
  static open(dir: string, key: RunKey, resume: boolean): ResultsStore {
    mkdirSync(dir, { recursive: true });
    const store = new ResultsStore(path.join(dir, `${key.policy.id}-${runKeyId(key)}.jsonl`));
    if (!resume) rmSync(store.file, { force: true });
    if (existsSync(store.file)) {
      for (const line of readFileSync(store.file, "utf8").split("\n").slice(1)) {
        if (line.trim() === "") continue;
        try {
          const result = JSON.parse(line) as PostResult;
          store.results.set(result.id, result);
        } catch {
          // A line cut short by a kill: that post runs again.
        }
      }
    } else {
      writeFileSync(store.file, `${JSON.stringify({ key })}\n`);
    }
    return store;
  }

  /** The latest result of a post, an engine failure included. */
  latest(id: string): PostResult | undefined {
    return this.results.get(id);
  }

  /** A result the next run keeps: an engine failure runs again (a timeout may not recur). */
  done(id: string): PostResult | undefined {
    const result = this.results.get(id);
    return result?.outcome === "failed" ? undefined : result;
  }

  get size(): number {
    return this.results.size;
  }

  add(result: PostResult): void {
    this.results.set(result.id, result);
    appendFileSync(this.file, `${JSON.stringify(result)}\n`);
  }
}
