import type { Redis } from "ioredis";
import { parsePolicy } from "../policy/parse-policy.js";
import type { Policy } from "../policy/policy.js";
import type { PolicySet } from "../policy/policy-set.js";

/** A policy file as the registry keeps it: its id, its version (content hash) and its text. */
export interface StoredPolicy {
  id: string;
  version: string;
  text: string;
}

/** One move of a policy's current pointer. */
export interface PolicyChange {
  id: string;
  version: string;
  /** The version current before (null: the id is new). */
  previous: string | null;
  action: "seed" | "push" | "rollback";
  /** Epoch ms. */
  at: number;
}

/** The Redis key prefix of the registry, under the configured `redis.keyPrefix`. */
export function registryPrefix(keyPrefix: string): string {
  return `${keyPrefix}policy:`;
}

/** Parses a stored policy; its source names where it came from (`registry:id@version`). */
export function parseStored(stored: StoredPolicy): Policy {
  const policy = parsePolicy(stored.text, `registry:${stored.id}@${stored.version}`);
  if (policy.id !== stored.id || policy.version !== stored.version)
    throw new Error(`registry entry ${stored.id}@${stored.version} holds ${policy.id}@${policy.version}`);
  return policy;
}

/** A version named on the command line: a full version or a unique prefix of at least 4 characters. */
export function matchVersion(known: readonly string[], wanted: string): string | { error: string } {
  if (known.includes(wanted)) return wanted;
  if (wanted.length < 4) return { error: `no version "${wanted}" (give at least 4 characters of one)` };
  const matches = known.filter((v) => v.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  return { error: matches.length === 0 ? `no version "${wanted}"` : `"${wanted}" matches ${matches.length} versions: ${matches.join(", ")}` };
}

/**
 * The policy registry in Redis. Keys (under `prefix`):
 * - `current`: hash, policy id -> its current version;
 * - `text:<id>`: hash, version -> the policy file (every version ever pushed is kept);
 * - `log:<id>`: list of JSON {@link PolicyChange}s, each move of the current pointer, oldest first;
 * - `sets`: hash, policy-set version -> its members (`id@version,…`), so a decision's set version can be looked up;
 * - channel `changes`: a JSON {@link PolicyChange} per move of a current pointer.
 */
export class PolicyRegistry {
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  get channel(): string {
    return `${this.prefix}changes`;
  }

  private textKey(id: string): string {
    return `${this.prefix}text:${id}`;
  }

  private logKey(id: string): string {
    return `${this.prefix}log:${id}`;
  }

  /** Every policy id and its current version. */
  async current(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(`${this.prefix}current`)));
  }

  /** The current version of every policy, with its text (one round trip per policy id). */
  async currentPolicies(): Promise<StoredPolicy[]> {
    const current = await this.current();
    const ids = [...current.keys()].sort();
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.textKey(id), current.get(id)!);
    const texts = (await pipeline.exec()) ?? [];
    return ids.map((id, i) => {
      const [error, text] = texts[i] ?? [new Error("no reply"), null];
      if (error) throw error;
      if (typeof text !== "string") throw new Error(`registry: current version ${current.get(id)} of ${id} has no text`);
      return { id, version: current.get(id)!, text };
    });
  }

  /** One version of a policy (none given: the current one); null when there is no such policy or version. */
  async get(id: string, version?: string): Promise<StoredPolicy | null> {
    const wanted = version ?? (await this.redis.hget(`${this.prefix}current`, id));
    if (wanted === null) return null;
    const text = await this.redis.hget(this.textKey(id), wanted);
    return text === null ? null : { id, version: wanted, text };
  }

  /** Every version kept for a policy. */
  async versions(id: string): Promise<string[]> {
    return this.redis.hkeys(this.textKey(id));
  }

  /** The moves of a policy's current pointer, oldest first. */
  async history(id: string): Promise<PolicyChange[]> {
    return (await this.redis.lrange(this.logKey(id), 0, -1)).map((line) => JSON.parse(line) as PolicyChange);
  }

  /**
   * Keeps `policy` (its text is its content, its version the hash of it) and makes it current:
   * one MULTI, so the text, the pointer, the log and the message go together or not at all.
   * Returns null when that version is current already (nothing is written).
   */
  async makeCurrent(policy: StoredPolicy, action: "push" | "rollback", now = Date.now()): Promise<PolicyChange | null> {
    const previous = await this.redis.hget(`${this.prefix}current`, policy.id);
    if (previous === policy.version) return null;
    const change: PolicyChange = { id: policy.id, version: policy.version, previous, action, at: now };
    const json = JSON.stringify(change);
    await this.redis
      .multi()
      .hset(this.textKey(policy.id), policy.version, policy.text)
      .hset(`${this.prefix}current`, policy.id, policy.version)
      .rpush(this.logKey(policy.id), json)
      .publish(this.channel, json)
      .exec();
    return change;
  }

  /**
   * Adds the policies whose ids the registry lacks (first start: all of them); an id the registry
   * has keeps its current version, whatever the file says. Safe when several workers start at once:
   * only the first HSETNX of an id takes, and only it logs and announces the id.
   */
  async seed(policies: readonly StoredPolicy[], now = Date.now()): Promise<PolicyChange[]> {
    const seeded: PolicyChange[] = [];
    for (const policy of policies) {
      await this.redis.hset(this.textKey(policy.id), policy.version, policy.text);
      if ((await this.redis.hsetnx(`${this.prefix}current`, policy.id, policy.version)) !== 1) continue;
      const change: PolicyChange = { id: policy.id, version: policy.version, previous: null, action: "seed", at: now };
      await this.redis.multi().rpush(this.logKey(policy.id), JSON.stringify(change)).publish(this.channel, JSON.stringify(change)).exec();
      seeded.push(change);
    }
    return seeded;
  }

  /** Notes a policy set's members under its version (idempotent). */
  async recordSet(set: PolicySet): Promise<void> {
    await this.redis.hsetnx(`${this.prefix}sets`, set.version, set.policies.map((p) => `${p.id}@${p.version}`).join(","));
  }

  /** The members of a policy-set version (`id@version`), if a worker ran it. */
  async setMembers(setVersion: string): Promise<string[] | null> {
    const members = await this.redis.hget(`${this.prefix}sets`, setVersion);
    return members === null ? null : members.split(",").filter((m) => m.length > 0);
  }
}
