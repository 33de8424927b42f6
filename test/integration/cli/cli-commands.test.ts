import { jest } from "@jest/globals";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { FINGERPRINT_HEADER } from "@arbiter/shared/codec/shipped-schemas.js";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { commands } from "../../../workers/cli/commands/index.js";
import { finished, runCli, spawnCli } from "../../support/cli.js";
import { kafkaBrokers, modelPath, redisUrl, testModels } from "../../support/env.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { PrivateRedis } from "../../support/private-services.js";
import { codecs, testConfig, testEngineSettings } from "../../support/worker.js";
import { waitForOutput } from "../../support/worker-process.js";

jest.setTimeout(240_000);

const ns = testNamespace("cli-commands");
const topics = testConfig(ns).kafka.topics;
/** Settings of this test's own topics, as a user's config would give them (decisions get 2 partitions here). */
const settings = { kafka: { brokers: kafkaBrokers, topics }, redis: { url: redisUrl }, topics: { decisions: { partitions: 2 } } };
const env = { ARBITER_CONFIG_JSON: JSON.stringify(settings) };
const dir = mkdtempSync(path.join(tmpdir(), "arbiter-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI's own commander (workers/cli's version, not the root's). */
type Command = ReturnType<(typeof commands)[number]>;

/** Every command and subcommand with the path that names it. */
function commandPaths(list: readonly Command[], prefix: string[] = []): { path: string[]; command: Command }[] {
  return list.flatMap((c) => [{ path: [...prefix, c.name()], command: c }, ...commandPaths(c.commands, [...prefix, c.name()])]);
}

describe("arbiter --help", () => {
  const all = commandPaths(commands.map((make) => make()));

  it("exits 0 for the program and every command, naming each option and the exit codes", async () => {
    const root = await runCli(["--help"]);
    expect(root.code).toBe(0);
    for (const name of ["worker", "topics", "produce", "tail", "doctor", "eval"]) expect(root.stdout).toContain(name);
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const { path: words, command } of all) {
      const run = await runCli([...words, "--help"]);
      expect({ command: words.join(" "), code: run.code }).toEqual({ command: words.join(" "), code: 0 });
      for (const option of command.options) expect(run.stdout).toContain(option.long!);
      expect(run.stdout).toContain("Exit codes:");
      expect(run.stdout).toMatch(/3 +a service it needs/);
    }
  });

  it("exits 2 on a usage error, saying what is wrong", async () => {
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const missing = await runCli(["produce"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'file'/);
    const badNumber = await runCli(["tail", "posts", "--limit", "zero"], env);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toMatch(/--limit.*whole number/);
    const badRole = await runCli(["worker", "janitor"]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/primary, escalation/);
    const noFile = await runCli(["produce", path.join(dir, "absent.jsonl")], env);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/absent\.jsonl: cannot read/);
    const badSetting = await runCli(["topics", "describe"], { ARBITER_CONFIG_JSON: '{"topics":{"posts":{"partitions":0}}}' });
    expect(badSetting.code).toBe(2);
    expect(badSetting.stderr).toMatch(/topics\.posts\.partitions/);
  });
});

describe("arbiter topics", () => {
  it("creates the topics as configured, again without harm, and describes partitions, leaders, configs and end offsets", async () => {
    const first = await runCli(["topics", "create"], env);
    expect({ code: first.code, stderr: first.code === 0 ? "" : first.stderr }).toEqual({ code: 0, stderr: "" });
    for (const name of Object.values(topics)) expect(first.stdout).toContain(`${name} (`);
    expect(first.stdout).toMatch(new RegExp(`${topics.decisions.replace(/\./g, "\\.")} \\(decisions\\): created: 2 partitions.*cleanup\\.policy=compact`));
    const again = await runCli(["topics", "create"], env);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/: exists/g)).toHaveLength(Object.keys(topics).length);

    const json = await runCli(["topics", "describe", "--json"], env);
    expect(json.code).toBe(0);
    const described = JSON.parse(json.stdout) as {
      key: string;
      name: string;
      exists: boolean;
      partitions: { leader: number; high: string }[];
      configs: Record<string, string>;
      drift: string[];
    }[];
    const config = loadConfig(settings, {});
    expect(described.map((d) => d.key)).toEqual(["posts", "decisions", "audit", "escalations", "tickets", "dlq", "appeals", "shadow"]);
    for (const d of described) {
      const want = config.topics[d.key as keyof typeof config.topics];
      expect(d).toMatchObject({ exists: true, drift: [] });
      expect(d.partitions).toHaveLength(want.partitions);
      expect(d.partitions.every((p) => p.leader >= 0 && p.high === "0")).toBe(true);
      expect(d.configs).toEqual({ "cleanup.policy": want.cleanupPolicy, "retention.ms": String(want.retentionMs) });
    }
    const text = await runCli(["topics", "describe", "decisions"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/partition +leader +replicas +in sync +start offset +end offset/);
    expect(text.stdout).toContain("cleanup.policy=compact");
  });
});

describe("arbiter produce and tail", () => {
  it("round-trips posts from JSONL and CSV through the posts topic, reporting bad lines by number", async () => {
    const jsonl = path.join(dir, "posts.jsonl");
    writeFileSync(
      jsonl,
      ['{"id":"j1","text":"first post","forumId":"games"}', "{not json", '{"id":"j2","text":"second, post"}', '{"id":"j3","text":"   "}', ""].join("\n"),
    );
    const stopped = await runCli(["produce", jsonl], env);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`${jsonl}:2: not JSON`);
    expect(stopped.stderr).toContain("1 post(s) before it were sent");

    const skipped = await runCli(["produce", jsonl, "--on-bad-line", "skip"], env);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain("sent 2 post(s)");
    expect(skipped.stderr).toContain(`${jsonl}:2: not JSON`);
    expect(skipped.stderr).toContain(`${jsonl}:4: post j3 has empty text (skipped)`);

    const csv = path.join(dir, "posts.csv");
    writeFileSync(csv, 'key,body,board\nc1,"a post, with a comma",cooking\nc2,"two\nlines",cooking\n');
    const fromCsv = await runCli(["produce", csv, "--text-col", "body", "--id-col", "key", "--forum-col", "board"], env);
    expect(fromCsv.code).toBe(0);
    expect(fromCsv.stdout).toContain("sent 2 post(s)");

    // j1 (first run, before the bad line), j1 and j2 (second run), c1, c2.
    const tail = await runCli(["tail", "posts", "--from-beginning", "--json"], env);
    expect(tail.code).toBe(0);
    const records = tail.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { key: string; kind: string; value: { id: string; text: string; forumId: string } });
    expect(records).toHaveLength(5);
    expect(records.every((r) => r.kind === "post" && r.key === r.value.id)).toBe(true);
    const byId = new Map(records.map((r) => [r.value.id, r.value]));
    expect(byId.get("j2")).toMatchObject({ text: "second, post", forumId: "" });
    expect(byId.get("c1")).toMatchObject({ text: "a post, with a comma", forumId: "cooking" });
    expect(byId.get("c2")!.text).toBe("two\nlines");

    const limited = await runCli(["tail", "posts", "--from-beginning", "--limit", "2"], env);
    expect(limited.stdout.trim().split("\n")).toHaveLength(2);
    const last = await runCli(["tail", "posts", "--limit", "3"], env);
    expect(last.code).toBe(0);
    expect(last.stdout.trim().split("\n")).toHaveLength(3);
    expect(last.stdout).toMatch(/post (j1|j2|c1|c2) forum=/);
  });

  it("tails any Arbiter topic readably, and shows a record it cannot decode as such", async () => {
    const kafka = testKafka("cli-tail");
    const producer = kafka.producer();
    await producer.connect();
    const decision: Decision = {
      decisionId: "primary:v1:d1",
      postId: "d1",
      forumId: "games",
      action: "HIDE",
      stage: "primary",
      policySetVersion: "v1",
      verdicts: [
        {
          policyId: "test-spam",
          policyVersion: "abc",
          decision: "violate",
          ruleIds: ["SP2"],
          confidence: 0.93,
          rationale: "sells followers",
          source: "model",
          escalate: false,
          onViolate: "hide",
          page: false,
        },
      ],
      modelId: "gemma",
      effort: "low",
      latencyMs: 120,
      truncated: false,
      postCreatedAt: 0,
      decidedAt: 0,
      replayId: null,
      ticketId: null,
      appealId: null,
      unreadable: null,
    };
    await producer.send({
      topic: topics.decisions,
      messages: [
        { key: "d1", ...codecs.decision.encode(decision) },
        { key: "d2", value: Buffer.from([1, 2, 3]), headers: { [FINGERPRINT_HEADER]: "f".repeat(64) } },
        { key: "d3", value: Buffer.from("garbage") },
      ],
    });
    await producer.disconnect();
    const run = await runCli(["tail", "decisions", "--from-beginning"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/decision d1 HIDE stage=primary test-spam:violate\[SP2\]@0\.93/);
    expect(run.stdout).toMatch(/key=d2 UNDECODABLE: unknown schema fingerprint/);
    expect(run.stdout).toMatch(/key=d3 UNDECODABLE: no arbiter-schema-fp header, and not JSON/);
    const json = await runCli(["tail", "decisions", "--from-beginning", "--json"], env);
    const kinds = json.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { key: string; kind: string }).kind);
    expect(kinds.sort()).toEqual(["decision", "undecodable", "undecodable"]);
  });
});

describe("arbiter doctor", () => {
  function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  }

  it("passes with every service up, and names Redis, how to start it and exits 3 when it is down", async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const gemma = modelPath(testModels.gemma);
    const doctorEnv = { ...env, REDIS_URL: redis.url, ARBITER_MODEL: gemma, ARBITER_ESCALATION_MODEL: gemma };
    try {
      const up = await runCli(["doctor"], doctorEnv);
      expect(up.stdout).toMatch(/ok +redis +redis:\/\/127\.0\.0\.1:\d+ answers PING/);
      expect(up.stdout).toMatch(/ok +kafka/);
      expect(up.stdout).toMatch(/gpu/);
      // Gemma's tokenizer counts each shipped policy's prompt; both roles' contexts hold every call.
      expect(up.stdout).toMatch(/ok +context plan +10 calls fit 8192 tokens; the largest, [\w-]+ at \w+, needs \d+/);
      expect(up.stdout).toMatch(/ok +escalation context plan +10 calls fit 8192 tokens/);
      expect(up.code).toBe(0);
    } finally {
      await redis.stop();
    }
    const down = await runCli(["doctor"], doctorEnv);
    expect(down.stdout).toContain(`FAIL  redis`);
    expect(down.stdout).toContain(`Redis at ${redis.url} refused the connection`);
    expect(down.stdout).toContain(`fix: start it with \`REDIS_PORT=${redis.port} bash scripts/redis.sh start\``);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain("failed: redis");

    const missingModel = await runCli(["doctor", "--role", "primary", "--json"], { ...doctorEnv, ARBITER_MODEL: path.join(dir, "none.gguf") });
    expect(missingModel.code).toBe(1);
    const checks = JSON.parse(missingModel.stdout) as { name: string; status: string; fix?: string }[];
    expect(checks.find((c) => c.name === "model")).toMatchObject({ status: "fail", fix: expect.stringContaining("ARBITER_MODEL") });
  });
});

describe("arbiter worker", () => {
  it("runs the classifier worker in a role until SIGTERM, which drains it to exit 0", async () => {
    const workerEnv = {
      ARBITER_CONFIG_JSON: JSON.stringify({
        ...settings,
        kafka: { ...settings.kafka, groupId: ns.group("worker") },
        engine: testEngineSettings(),
        // The test engine's context holds a 1,500-character window, not the default 8,000: the worker checks its context plan at start.
        pipeline: { maxModelChars: 1500 },
        http: { port: 0 },
        cache: { enabled: false },
      }),
    };
    const child = spawnCli(["worker", "primary"], workerEnv);
    const done = finished(child, 120_000, ["worker", "primary"]);
    await waitForOutput(child, /"role":"primary".*"msg":"worker started"/, 90_000);
    child.kill("SIGTERM");
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"msg":"draining"');
  });

  it("exits 3 at once, naming the broker, when Kafka does not answer", async () => {
    const run = await runCli(["worker", "escalation"], { ...env, KAFKA_BROKERS: "127.0.0.1:1" });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("Kafka at 127.0.0.1:1 refused the connection: start it with `KAFKA_PORT=1 bash scripts/kafka.sh start`");
  });
});
