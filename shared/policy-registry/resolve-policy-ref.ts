import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PolicySettings } from "../policy/policy-settings.js";
import type { RedisSettings } from "../redis/redis-settings.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { ServiceUnreachableError } from "../errors/service-unreachable-error.js";
import { UsageError } from "../errors/usage-error.js";
import { readPolicyDir } from "../policy/load-policy-dir.js";
import { parsePolicy } from "../policy/parse-policy.js";
import type { Policy } from "../policy/policy.js";
import { PolicyError } from "../policy/policy-error.js";
import { parsePolicyRef } from "../policy/policy-ref.js";
import { openPolicyRegistry } from "./open-policy-registry.js";
import { matchVersion, parseStored, type PolicyRegistry } from "./policy-registry.js";

/** A policy named on the command line: how reports name it, the policy, and what the caller prints on stderr (once each). */
export interface ResolvedPolicy {
  /** `ID@VERSION`, then where it came from unless that is the registry: `(FILE)` or `(policies.dir)`. */
  name: string;
  policy: Policy;
  warnings: string[];
}

/** What the resolver reads of the registry. */
export type PolicyRegistryReader = Pick<PolicyRegistry, "get" | "versions" | "current">;

export interface ResolveOptions {
  config: { policies: PolicySettings; redis: RedisSettings };
  /** The option the reference was given to (`--policy`, `--against`), for messages. */
  option?: string;
  /** Opens the registry (default: {@link openPolicyRegistry}); called only when the reference needs it. */
  openRegistry?: (config: { redis: RedisSettings }) => Promise<{ registry: PolicyRegistryReader; close(): void }>;
}

const isFile = (file: string) => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * Resolves a policy reference (see {@link parsePolicyRef}) with one meaning for every command:
 * - `FILE`: the policy that file holds (`ID@FILE`, deprecated: and it must be policy ID);
 * - `ID`: the registry's current version when the registry is on and holds ID, else the version
 *   in `policies.dir` (also when the registry cannot be reached: with a warning);
 * - `ID@VERSION`: that version in the registry (a usage error with the registry off).
 * Throws a {@link UsageError} naming the option and the reference for anything it cannot resolve.
 */
export async function resolvePolicyRef(ref: string, options: ResolveOptions): Promise<ResolvedPolicy> {
  const { config, option = "--policy", openRegistry = openPolicyRegistry } = options;
  const parsed = parsePolicyRef(ref, option, isFile);
  const fail = (why: string) => new UsageError(`${option} ${ref}: ${why}`);

  if (parsed.kind === "file") {
    let text: string;
    try {
      text = await readFile(parsed.path, "utf8");
    } catch (error) {
      throw fail(`cannot read ${parsed.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    let policy: Policy;
    try {
      policy = parsePolicy(text, path.resolve(parsed.path));
    } catch (error) {
      if (error instanceof PolicyError) throw fail(error.message);
      throw error;
    }
    if (parsed.expectedId !== undefined && policy.id !== parsed.expectedId) throw fail(`${parsed.path} is policy "${policy.id}", not "${parsed.expectedId}"`);
    return { name: `${policy.id}@${policy.version} (${parsed.path})`, policy, warnings: parsed.warning === undefined ? [] : [parsed.warning] };
  }

  const registryOn = config.policies.registry.enabled;
  if (parsed.kind === "version") {
    if (!registryOn) throw fail("versions live in the policy registry, which is off (policies.registry.enabled)");
    const { registry, close } = await openRegistry(config);
    try {
      const versions = await registry.versions(parsed.id);
      if (versions.length === 0)
        throw fail(`no policy "${parsed.id}" in the registry (there: ${[...(await registry.current()).keys()].sort().join(", ") || "none"})`);
      const version = matchVersion(versions, parsed.version);
      if (typeof version !== "string") throw fail(`${version.error} of policy "${parsed.id}" (kept: ${versions.join(", ")})`);
      const stored = (await registry.get(parsed.id, version))!;
      return { name: `${stored.id}@${stored.version}`, policy: parseStored(stored), warnings: [] };
    } finally {
      close();
    }
  }

  const warnings: string[] = [];
  if (registryOn) {
    let opened: Awaited<ReturnType<NonNullable<ResolveOptions["openRegistry"]>>> | null = null;
    try {
      opened = await openRegistry(config);
    } catch (error) {
      if (!(error instanceof ServiceUnreachableError)) throw error;
      warnings.push(`the policy registry cannot be reached (${error.detail}); ${option} ${ref} is the policy in policies.dir`);
    }
    if (opened) {
      try {
        const stored = await opened.registry.get(parsed.id);
        if (stored) return { name: `${stored.id}@${stored.version}`, policy: parseStored(stored), warnings };
      } finally {
        opened.close();
      }
    }
  }
  const dir = resolveFromRoot(config.policies.dir);
  const files = await readPolicyDir(dir);
  const file = files.find((f) => f.policy.id === parsed.id);
  if (!file) {
    const registry = !registryOn ? "" : warnings.length === 0 ? "in the registry or " : "(the policy registry cannot be reached) ";
    throw fail(`no policy "${parsed.id}" ${registry}in ${dir} (there: ${files.map((f) => f.policy.id).join(", ") || "none"})`);
  }
  return { name: `${file.policy.id}@${file.policy.version} (policies.dir)`, policy: file.policy, warnings };
}
