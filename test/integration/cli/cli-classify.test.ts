import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { PolicyRegistry, registryPrefix } from "@arbiter/shared/policy-registry/policy-registry.js";
import { runCli } from "../../support/cli.js";
import { modelPath, redisUrl, repoRoot, testModels } from "../../support/env.js";
import { testNamespace } from "../../support/namespace.js";

jest.setTimeout(300_000);

// The small real model on CPU, one sequence: what a policy author's laptop runs.
const engine = {
  modelPath: modelPath(testModels.gemma),
  modelId: "gemma-3-270m",
  gpu: false,
  threads: 1,
  contextSize: 2048,
  sequences: 1,
  rationaleMaxChars: 120,
  timeoutMs: 60_000,
};
const ns = testNamespace("cli-classify");
const env = { ARBITER_CONFIG_JSON: JSON.stringify({ redis: { url: redisUrl, keyPrefix: ns.redisPrefix }, engine }) };
const dir = mkdtempSync(path.join(tmpdir(), "arbiter-cli-classify-"));
const redis = new Redis(redisUrl);
afterAll(() => {
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const spamFile = path.join(repoRoot, "config/policies/spam.md");
const spamText = readFileSync(spamFile, "utf8");
const spam = parsePolicy(spamText, spamFile);

describe("arbiter classify", () => {
  it("one post: the verdict, the rule ids, the measured confidence, the rationale and the reasoning section, under a policy file", async () => {
    const run = await runCli(["classify", "--policy", spamFile, "Buy followers now, 1000 for 5 dollars at cheapfollowers.biz"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe(`policy      spam@${spam.version} (${spamFile})`);
    expect(lines[1]).toMatch(/^verdict     (violate|allow)/);
    expect(lines[2]).toMatch(/^action      (ALLOW|HIDE|REVIEW)$/);
    const rules = /^rules       (.+)$/.exec(lines[3]!)![1]!;
    if (rules !== "-") for (const id of rules.split(", ")) expect(["SP0", "SP2", "SP3", "SP4"]).toContain(id);
    const confidence = Number(/^confidence  ([\d.]+) \(measured/.exec(lines[4]!)![1]);
    expect(confidence).toBeGreaterThan(0);
    expect(confidence).toBeLessThanOrEqual(1);
    expect(lines[5]).toMatch(/^rationale   /);
    expect(lines[6]).toBe("reasoning");
    // Gemma has no analysis channel: the section says so rather than printing nothing.
    expect(lines[7]).toBe("  (none: this model has no analysis channel)");
  });

  it("a post without a keyword is allowed at the prefilter without a model call, unless --skip-prefilter", async () => {
    const prefilter = await runCli(["classify", "--policy", spamFile, "Great match yesterday, well played"], env);
    expect(prefilter.code).toBe(0);
    expect(prefilter.stdout).toContain("verdict     allow (prefilter: no keyword of the policy matched, the model was not asked");
    const asked = await runCli(["classify", "--policy", spamFile, "--skip-prefilter", "Great match yesterday, well played"], env);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/\nconfidence  [\d.]+ \(measured/);
  });

  it("--file with --against a registry version: a table, then exactly the posts whose verdicts differ", async () => {
    // The registry's current spam is the shipped file; the draft turns the model off for spam (prefilter off: every post allowed).
    const registry = new PolicyRegistry(redis, registryPrefix(ns.redisPrefix));
    await registry.makeCurrent({ id: "spam", version: spam.version, text: spamText }, "push");
    const draft = path.join(dir, "spam-draft.md");
    writeFileSync(draft, spamText.replace("prefilter: keywords", 'prefilter: "off"'));
    const draftPolicy = parsePolicy(readFileSync(draft, "utf8"), draft);
    const posts = path.join(dir, "posts.jsonl");
    writeFileSync(
      posts,
      [
        { id: "promo", text: "Buy followers now cheap at followers.biz" },
        { id: "chat", text: "Great match yesterday" },
        { id: "phish", text: "Your account is locked. Enter your password here." },
      ]
        .map((p) => JSON.stringify(p))
        .join("\n"),
    );
    const run = await runCli(["classify", "--policy", "spam", "--against", draft, "--file", posts], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^policy spam@${spam.version}: 3 posts, `));
    expect(lines[1]).toMatch(
      new RegExp(`^ID +VERDICT +RULES +CONF +VS spam@${draftPolicy.version} \\(${draft.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) +RULES +CONF +RATIONALE$`),
    );
    const rows = new Map(lines.slice(2, 5).map((l) => [l.split(/\s+/)[0]!, l.split(/\s+/)]));
    expect([...rows.keys()]).toEqual(["promo", "chat", "phish"]);
    // Under the draft every post is allowed at the prefilter; "chat" has no keyword under either.
    for (const row of rows.values()) expect(row[4]).toBe("allow");
    expect(rows.get("chat")![1]).toBe("allow");
    const violating = [...rows].filter(([, row]) => row[1] === "violate").map(([id]) => id);
    const summary = lines.slice(6).filter((l) => l.length > 0);
    if (violating.length === 0) expect(summary).toEqual([`no verdict differs between spam@${spam.version} and spam@${draftPolicy.version} (${draft})`]);
    else
      expect(summary).toEqual([
        `${violating.length} verdict${violating.length === 1 ? "" : "s"} differ (spam@${spam.version} -> spam@${draftPolicy.version} (${draft})):`,
        ...violating.map((id) => `  ${id}: violate -> allow`),
      ]);
  });

  it("refuses what it cannot run: no text, an unknown registry policy (exit 2)", async () => {
    const neither = await runCli(["classify", "--policy", spamFile], env);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("give the post's text or --file");
    const unknown = await runCli(["classify", "--policy", "nope@abcd", "hello"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--policy nope@abcd: no policy "nope" in the registry/);
  });
});
