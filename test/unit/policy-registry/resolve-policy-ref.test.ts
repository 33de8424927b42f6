import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { deprecatedIdAtFile } from "@arbiter/shared/policy/policy-ref.js";
import type { StoredPolicy } from "@arbiter/shared/policy-registry/policy-registry.js";
import { resolvePolicyRef, type PolicyRegistryReader } from "@arbiter/shared/policy-registry/resolve-policy-ref.js";
import { fixturesDir } from "../../support/env.js";

// One folder (policies.dir) holding test-spam, a draft beside it, and an in-memory registry.
const root = mkdtempSync(path.join(tmpdir(), "arbiter-policy-ref-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = path.join(root, "policies");
mkdirSync(dir);
copyFileSync(path.join(fixturesDir, "policies", "test-spam.md"), path.join(dir, "test-spam.md"));
const folderText = readFileSync(path.join(dir, "test-spam.md"), "utf8");
const folder = parsePolicy(folderText, "test-spam.md");
const stored = (text: string): StoredPolicy => {
  const p = parsePolicy(text, "stored.md");
  return { id: p.id, version: p.version, text };
};
const v1 = stored(folderText.replace("escalation_threshold: 0.5", "escalation_threshold: 0.6"));
const v2 = stored(folderText.replace("escalation_threshold: 0.5", "escalation_threshold: 0.7"));
const draft = path.join(root, "draft.md");
writeFileSync(draft, folderText.replace("  - free money\n", ""));
const draftPolicy = parsePolicy(readFileSync(draft, "utf8"), draft);

/** An in-memory registry of `entries`, `current` naming each id's current version; counts how often it is opened. */
function fakeRegistry(
  entries: StoredPolicy[],
  current: Record<string, string>,
): { opened: number; openRegistry: () => Promise<{ registry: PolicyRegistryReader; close(): void }> } {
  const state = { opened: 0 };
  const registry: PolicyRegistryReader = {
    get: async (id: string, version?: string) => entries.find((e) => e.id === id && e.version === (version ?? current[id])) ?? null,
    versions: async (id: string) => entries.filter((e) => e.id === id).map((e) => e.version),
    current: async () => new Map(Object.entries(current)),
  };
  return Object.assign(state, {
    openRegistry: async () => {
      state.opened++;
      return { registry, close: () => undefined };
    },
  });
}
const registryOn = loadConfig({ policies: { dir, registry: { enabled: true } } }, {});
const registryOff = loadConfig({ policies: { dir, registry: { enabled: false } } }, {});
const unreachable = async (): Promise<never> => {
  throw new ServiceUnreachableError("Redis", "Redis at redis://127.0.0.1:1 refused the connection", "start it");
};

describe("resolvePolicyRef: one meaning of a policy reference for eval, classify, replay and shadow", () => {
  it("FILE: the policy the file holds, named by its id, version and path; the registry is not opened", async () => {
    const fake = fakeRegistry([v1, v2], { "test-spam": v2.version });
    const got = await resolvePolicyRef(draft, { config: registryOn, openRegistry: fake.openRegistry });
    expect(got).toEqual({ name: `test-spam@${draftPolicy.version} (${draft})`, policy: draftPolicy, warnings: [] });
    expect(fake.opened).toBe(0);
  });

  it("ID@FILE (deprecated) still resolves, with a warning; a file of another policy is an error", async () => {
    const got = await resolvePolicyRef(`test-spam@${draft}`, { config: registryOff, option: "--against" });
    expect(got.policy.version).toBe(draftPolicy.version);
    expect(got.name).toBe(`test-spam@${draftPolicy.version} (${draft})`);
    expect(got.warnings).toEqual([deprecatedIdAtFile("--against")]);
    await expect(resolvePolicyRef(`spam@${draft}`, { config: registryOff })).rejects.toThrow(
      `--policy spam@${draft}: ${draft} is policy "test-spam", not "spam"`,
    );
  });

  it("FILE errors are usage errors naming the option: unreadable, not a policy", async () => {
    const missing = path.join(root, "missing.md");
    await expect(resolvePolicyRef(missing, { config: registryOff, option: "--against" })).rejects.toThrow(
      new UsageError(`--against ${missing}: cannot read ${missing} (ENOENT)`),
    );
    const broken = path.join(root, "broken.md");
    writeFileSync(broken, "no front matter\n");
    await expect(resolvePolicyRef(broken, { config: registryOff })).rejects.toThrow(UsageError);
    await expect(resolvePolicyRef(broken, { config: registryOff })).rejects.toThrow(new RegExp(`^--policy ${broken}: ${broken}`));
  });

  it("ID with the registry on and holding it: the current version", async () => {
    const fake = fakeRegistry([v1, v2], { "test-spam": v2.version });
    const got = await resolvePolicyRef("test-spam", { config: registryOn, openRegistry: fake.openRegistry });
    expect(got.name).toBe(`test-spam@${v2.version}`);
    expect(got.policy.escalationThreshold).toBe(0.7);
    expect(got.warnings).toEqual([]);
  });

  it("ID the registry does not hold (or with the registry off): policies.dir's, and the name says so", async () => {
    const empty = fakeRegistry([], {});
    const fromFolder = await resolvePolicyRef("test-spam", { config: registryOn, openRegistry: empty.openRegistry });
    expect(fromFolder).toEqual({
      name: `test-spam@${folder.version} (policies.dir)`,
      policy: expect.objectContaining({ id: "test-spam", version: folder.version }),
      warnings: [],
    });
    expect(empty.opened).toBe(1);
    const off = await resolvePolicyRef("test-spam", { config: registryOff, openRegistry: unreachable });
    expect(off.name).toBe(`test-spam@${folder.version} (policies.dir)`);
  });

  it("ID with the registry unreachable: policies.dir's, with a warning (eval runs without Redis)", async () => {
    const got = await resolvePolicyRef("test-spam", { config: registryOn, openRegistry: unreachable });
    expect(got.name).toBe(`test-spam@${folder.version} (policies.dir)`);
    expect(got.warnings).toEqual([
      "the policy registry cannot be reached (Redis at redis://127.0.0.1:1 refused the connection); --policy test-spam is the policy in policies.dir",
    ]);
  });

  it("an ID in neither place is a usage error listing what there is", async () => {
    await expect(resolvePolicyRef("nope", { config: registryOn, openRegistry: fakeRegistry([v1], { "test-spam": v1.version }).openRegistry })).rejects.toThrow(
      new UsageError(`--policy nope: no policy "nope" in the registry or in ${dir} (there: test-spam)`),
    );
    await expect(resolvePolicyRef("nope", { config: registryOff })).rejects.toThrow(
      new UsageError(`--policy nope: no policy "nope" in ${dir} (there: test-spam)`),
    );
    await expect(resolvePolicyRef("nope", { config: registryOn, openRegistry: unreachable })).rejects.toThrow(
      new UsageError(`--policy nope: no policy "nope" (the policy registry cannot be reached) in ${dir} (there: test-spam)`),
    );
  });

  it("ID@VERSION: a kept version or a unique prefix of one, from the registry only", async () => {
    const fake = fakeRegistry([v1, v2], { "test-spam": v2.version });
    const old = await resolvePolicyRef(`test-spam@${v1.version.slice(0, 6)}`, { config: registryOn, openRegistry: fake.openRegistry });
    expect(old).toEqual({ name: `test-spam@${v1.version}`, policy: expect.objectContaining({ version: v1.version, escalationThreshold: 0.6 }), warnings: [] });
    await expect(resolvePolicyRef("test-spam@ffffffff", { config: registryOn, openRegistry: fake.openRegistry })).rejects.toThrow(
      new UsageError(`--policy test-spam@ffffffff: no version "ffffffff" of policy "test-spam" (kept: ${v1.version}, ${v2.version})`),
    );
    await expect(resolvePolicyRef("nope@abcd", { config: registryOn, option: "--against", openRegistry: fake.openRegistry })).rejects.toThrow(
      new UsageError('--against nope@abcd: no policy "nope" in the registry (there: test-spam)'),
    );
    await expect(resolvePolicyRef(`test-spam@${v1.version}`, { config: registryOff })).rejects.toThrow(
      new UsageError(`--policy test-spam@${v1.version}: versions live in the policy registry, which is off (policies.registry.enabled)`),
    );
    // Unreachable: the caller's exit 3, not the folder's version.
    await expect(resolvePolicyRef(`test-spam@${v1.version}`, { config: registryOn, openRegistry: unreachable })).rejects.toThrow(ServiceUnreachableError);
  });
});
