import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { PolicyRegistry, registryPrefix } from "@arbiter/shared/policy-registry/policy-registry.js";
import { runCli } from "../../support/cli.js";
import { modelPath, redisUrl, repoRoot, testModels } from "../../support/env.js";
import { testNamespace } from "../../support/namespace.js";

jest.setTimeout(240_000);

const ns = testNamespace("cli-policy");
const env = { ARBITER_CONFIG_JSON: JSON.stringify({ redis: { url: redisUrl, keyPrefix: ns.redisPrefix } }) };
const dir = mkdtempSync(path.join(tmpdir(), "arbiter-cli-policy-"));
const redis = new Redis(redisUrl);
const registry = new PolicyRegistry(redis, registryPrefix(ns.redisPrefix));
afterAll(() => {
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const spamFile = path.join(repoRoot, "config/policies/spam.md");
const v1Text = readFileSync(spamFile, "utf8");
const v2Text = v1Text.replace("escalation_threshold: 0.6", "escalation_threshold: 0.7");
const v1 = parsePolicy(v1Text, "spam.md").version;
const v2 = parsePolicy(v2Text, "spam.md").version;
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("arbiter policy", () => {
  it("validate: passes a good file with its token count under a real model, fails a bad one (exit 1) saying why, and a missing file is exit 2", async () => {
    const ok = await runCli(["policy", "validate", spamFile, "--model", modelPath(testModels.gemma)], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`: ok: policy spam@${v1}, 4 rules \\(SP0, SP2, SP3, SP4\\), body \\d+ characters, \\d+ tokens`));
    const tokens = Number(/(\d+) tokens/.exec(ok.stdout)![1]);
    expect(tokens).toBeGreaterThan(300);
    expect(tokens).toBeLessThan(900);

    const bad = write("bad.md", v1Text.replace("## Definitions\n", "## Glossary\n").replace("  - id: SP0\n", ""));
    const failed = await runCli(["policy", "validate", bad], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`error: ${bad}: section "## Definitions" is missing`);
    expect(failed.stdout).toMatch(new RegExp(`error: ${bad}:\\d+: rule SP0 is defined here but not listed in the front matter's rules`));
    expect(failed.stderr).toContain("does not pass: 2 problems");

    const tooBig = await runCli(["policy", "validate", spamFile, "--model", modelPath(testModels.gemma)], {
      ARBITER_CONFIG_JSON: JSON.stringify({ redis: { url: redisUrl, keyPrefix: ns.redisPrefix }, policies: { maxTokens: 100 } }),
    });
    expect(tooBig.code).toBe(1);
    expect(tooBig.stdout).toMatch(/the body is \d+ tokens, over the limit of 100 \(policies.maxTokens\)/);

    const missing = await runCli(["policy", "validate", path.join(dir, "nope.md")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ENOENT");
  });

  it("validate and push check the context plan with the model's tokenizer: a policy whose effort does not fit is named with its shortfall, and the push changes nothing", async () => {
    // gpt-oss-20b's own tokenizer (o200k_harmony); 4,096 tokens cannot hold spam's prompt + 3,200-token post window + low effort's budgets.
    const small = {
      ARBITER_CONFIG_JSON: JSON.stringify({
        redis: { url: redisUrl, keyPrefix: ns.redisPrefix },
        engine: { modelPath: modelPath(testModels.gptOss20bVocab), contextSize: 4096 },
        escalationEngine: { modelPath: modelPath(testModels.gptOss20bVocab), contextSize: 8192 },
      }),
    };
    const refused = await runCli(["policy", "validate", spamFile], small);
    expect(refused.code).toBe(1);
    const line =
      /error: engine: policy spam at effort low needs (\d+) tokens \(prompt (\d+) \+ post 3200 \+ reasoning 128 \+ verdict 384 \+ margin 64\) but the context holds 4096: short by (\d+)/.exec(
        refused.stdout,
      );
    expect(line).not.toBeNull();
    const [total, prompt, short] = line!.slice(1).map(Number);
    expect(prompt).toBeGreaterThan(500);
    expect(total).toBe(prompt! + 3200 + 128 + 384 + 64);
    expect(short).toBe(total! - 4096);
    // The escalation role runs spam at high effort and its 8,192 tokens hold it.
    expect(refused.stdout).not.toContain("escalationEngine:");

    const pushed = await runCli(["policy", "push", spamFile], small);
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toContain("push rejected, the registry is unchanged");
    expect(pushed.stderr).toMatch(/engine: policy spam at effort low needs \d+ tokens .* short by \d+/);

    const fits = await runCli(["policy", "validate", spamFile], {
      ARBITER_CONFIG_JSON: JSON.stringify({
        redis: { url: redisUrl, keyPrefix: ns.redisPrefix },
        engine: { modelPath: modelPath(testModels.gptOss20bVocab) },
        escalationEngine: { modelPath: modelPath(testModels.gptOss20bVocab) },
      }),
    });
    expect(fits.code).toBe(0);
    expect(fits.stdout).not.toContain("context plan");
  });

  it("push, list, show, diff and rollback; a rejected push changes nothing and says exactly why", async () => {
    const first = await runCli(["policy", "push", spamFile], env);
    expect(first).toMatchObject({ code: 0, stdout: `pushed spam@${v1} (a new policy); running workers switch to it within seconds\n` });
    const second = await runCli(["policy", "push", write("spam.md", v2Text)], env);
    expect(second).toMatchObject({ code: 0, stdout: `pushed spam@${v2} (was ${v1}); running workers switch to it within seconds\n` });
    const same = await runCli(["policy", "push", path.join(dir, "spam.md")], env);
    expect(same).toMatchObject({ code: 0, stdout: `spam@${v2} is current already; nothing changed\n` });

    // Rejected: a rule the body defines that the front matter does not list. Nothing in the registry moves.
    const before = { current: await registry.current(), versions: await registry.versions("spam"), history: await registry.history("spam") };
    const badFile = write("spam-bad.md", v2Text.replace("  - id: SP3\n", ""));
    const rejected = await runCli(["policy", "push", badFile], env);
    expect(rejected.code).toBe(1);
    const sp3Line =
      v2Text
        .replace("  - id: SP3\n", "")
        .split("\n")
        .findIndex((l) => l.includes("**SP3")) + 1;
    expect(rejected.stderr).toBe(
      `arbiter: push rejected, the registry is unchanged; ${badFile}: 1 problem:\n  ${badFile}:${sp3Line}: rule SP3 is defined here but not listed in the front matter's rules (the model may only answer listed ids)\n`,
    );
    expect({ current: await registry.current(), versions: await registry.versions("spam"), history: await registry.history("spam") }).toEqual(before);

    const list = await runCli(["policy", "list"], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID +CURRENT +VERSIONS +CHANGED +BY +TITLE$/);
    expect(list.stdout.split("\n")[1]).toMatch(new RegExp(`^spam +${v2} +2 +\\S+Z +push +Spam`));
    const history = await runCli(["policy", "list", "spam"], env);
    expect(history.stdout.split("\n").slice(1, 3)).toEqual([
      expect.stringMatching(new RegExp(`^${v2} +push .* ${v1} +current$`)),
      expect.stringMatching(new RegExp(`^${v1} +push .* -$`)),
    ]);

    const shown = await runCli(["policy", "show", `spam@${v1.slice(0, 6)}`], env);
    expect(shown).toMatchObject({ code: 0, stdout: v1Text, stderr: `spam@${v1}\n` });
    expect((await runCli(["policy", "show", "spam"], env)).stdout).toBe(v2Text);

    const diff = await runCli(["policy", "diff", "spam", v1, v2], env);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain("  escalation_threshold: 0.6 -> 0.7\n");
    expect(diff.stdout).toContain(`--- spam@${v1}\n+++ spam@${v2}\n`);
    expect(diff.stdout).toContain("\n-escalation_threshold: 0.6\n+escalation_threshold: 0.7\n");

    const rollback = await runCli(["policy", "rollback", "spam"], env);
    expect(rollback).toMatchObject({ code: 0, stdout: `rolled spam back to ${v1} (was ${v2}); running workers switch to it within seconds\n` });
    expect((await registry.current()).get("spam")).toBe(v1);
    const forward = await runCli(["policy", "rollback", "spam", v2.slice(0, 8)], env);
    expect(forward.code).toBe(0);
    expect((await registry.current()).get("spam")).toBe(v2);
    expect((await registry.history("spam")).map((c) => [c.action, c.version])).toEqual([
      ["push", v1],
      ["push", v2],
      ["rollback", v1],
      ["rollback", v2],
    ]);
  });

  it("names what it does not know (exit 2) and a Redis that does not answer (exit 3)", async () => {
    const unknown = await runCli(["policy", "show", "nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no policy "nope" in the registry \(there: .*spam/);
    const badVersion = await runCli(["policy", "diff", "spam", "zzzz", v1], env);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain('no version "zzzz" of policy "spam"');

    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const down = await runCli(["policy", "list"], { ARBITER_CONFIG_JSON: JSON.stringify({ redis: { url: `redis://127.0.0.1:${closed}` } }) });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`Redis at redis://127.0.0.1:${closed} refused the connection`);
    expect(down.stderr).toContain("the policy registry lives there");
  });
});
