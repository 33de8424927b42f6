import { createHash } from "node:crypto";
import type { Policy } from "./policy.js";
import { PolicyError } from "./policy-error.js";

/**
 * The policies in force, as one immutable value. Its version changes when any member's does,
 * so a prefilter or a prompt cache built for one set is never used with another.
 */
export class PolicySet {
  /** First 16 hex characters of a SHA-256 over the members' ids and versions, in id order. */
  readonly version: string;
  readonly policies: readonly Policy[];
  private readonly byForum = new Map<string, readonly Policy[]>();

  constructor(policies: readonly Policy[]) {
    const sorted = [...policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      const p = sorted[i] as Policy;
      if (p.id === (sorted[i - 1] as Policy).id)
        throw new PolicyError(p.source, "id", `duplicate policy id "${p.id}" (also in ${(sorted[i - 1] as Policy).source})`);
    }
    this.policies = Object.freeze(sorted);
    const h = createHash("sha256");
    for (const p of sorted) h.update(`${p.id}\u0000${p.version}\n`);
    this.version = h.digest("hex").slice(0, 16);
  }

  /** The policy with this id, if any. */
  get(id: string): Policy | undefined {
    return this.policies.find((p) => p.id === id);
  }

  /** The policies that apply to a forum (those listing it or `"*"`). */
  forForum(forumId: string): readonly Policy[] {
    let list = this.byForum.get(forumId);
    if (!list) {
      list = this.policies.filter((p) => p.forums.includes("*") || p.forums.includes(forumId));
      // Bounded: forum ids come from posts, and a flood of new ids must not grow memory.
      if (this.byForum.size < 10_000) this.byForum.set(forumId, list);
    }
    return list;
  }
}
