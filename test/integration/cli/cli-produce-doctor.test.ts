import { jest } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createWorkerCodecs } from "@arbiter/shared/codec/codecs.js";
import { readPost } from "@arbiter/shared/codec/post-input.js";
import type { PostFormat } from "@arbiter/shared/codec/codec-settings.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { runCli } from "../../support/cli.js";
import { kafkaBrokers, modelPath, redisUrl, schemaRegistryUrl, testModels } from "../../support/env.js";
import { collect, createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { testConfig } from "../../support/worker.js";

// `arbiter produce` writes what the workers read, in every input.format; `arbiter doctor` checks
// the Schema Registry when a format uses it, and Redis whenever the policy registry is on.

jest.setTimeout(180_000);

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-produce-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, "posts.jsonl");
const posts = [
  { id: "p-en", text: "selling a private aimbot, dm me", forumId: "games" },
  { id: "p-de", text: "Verkaufe Aimbot für 10 €, schreib mir – schnell & unentdeckt!", forumId: "spiele" },
  { id: "p-zh", text: "出售私人自瞄外挂，私信我 🎮", forumId: "游戏" },
];
writeFileSync(file, posts.map((p) => JSON.stringify(p)).join("\n"));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("arbiter produce writes input.format", () => {
  const formats: Array<{ format: PostFormat; input: Record<string, unknown> }> = [
    { format: "avro", input: { format: "avro" } },
    { format: "json", input: { format: "json" } },
    { format: "confluent-avro", input: { format: "confluent-avro", fieldMap: { text: "body", forumId: "community" } } },
  ];

  it.each(formats)("$format: the worker's own reader reads back every post, text unharmed", async ({ format, input }) => {
    const ns = testNamespace(`produce ${format}`);
    const config = testConfig(ns, { input, schemaRegistry: { url: schemaRegistryUrl } });
    const settings = { kafka: { brokers: kafkaBrokers, topics: config.kafka.topics }, input, schemaRegistry: { url: schemaRegistryUrl } };
    const kafka = testKafka(ns.id);
    await createTopics(kafka, [config.kafka.topics.posts]);
    const run = await runCli(["produce", file], { ARBITER_CONFIG_JSON: JSON.stringify(settings) });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`sent 3 post(s) to ${config.kafka.topics.posts} (${format})`);

    const seen = await collect(kafka, config.kafka.topics.posts, { count: 3, groupId: ns.group("read"), timeoutMs: 30_000 });
    const records: InboundRecord[] = seen.map(({ partition, message }) => ({
      topic: config.kafka.topics.posts,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
    }));
    // What the classifier worker makes of them: its codecs, for confluent-avro its writer schemas from the registry.
    const worker = await createWorkerCodecs(config, silentLogger);
    try {
      if (worker.confluentInput) await worker.confluentInput.schemas.notesFor(records, new AbortController().signal);
      const decoder = worker.confluentInput?.decoder ?? worker.codecs.post;
      const read = records.map((r) => readPost(r, format, config.input.maxRecordBytes, decoder));
      expect(read.map((p) => ({ id: p.id, text: p.text, forumId: p.forumId })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [...posts].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(records.map((r) => r.key?.toString("utf8")).sort()).toEqual(posts.map((p) => p.id).sort());
    } finally {
      worker.close();
    }
  });
});

describe("arbiter doctor", () => {
  const gemma = modelPath(testModels.gemma);
  const models = { ARBITER_MODEL: gemma, ARBITER_ESCALATION_MODEL: gemma };
  const ns = testNamespace("doctor services");
  const topics = testConfig(ns).kafka.topics;

  it("checks the Schema Registry when a format is confluent-avro, and skips it otherwise", async () => {
    const base = { kafka: { brokers: kafkaBrokers, topics }, redis: { url: redisUrl } };
    const up = await runCli(["doctor", "--role", "primary", "--json"], {
      ...models,
      ARBITER_CONFIG_JSON: JSON.stringify({ ...base, input: { format: "confluent-avro" }, schemaRegistry: { url: schemaRegistryUrl } }),
    });
    const upChecks = JSON.parse(up.stdout) as { name: string; status: string; detail: string; fix?: string }[];
    expect(upChecks.find((c) => c.name === "schema registry")).toMatchObject({ status: "ok", detail: expect.stringContaining("used by input.format") });

    const dead = `http://127.0.0.1:${await freePort()}`;
    const down = await runCli(["doctor", "--role", "primary", "--json"], {
      ...models,
      ARBITER_CONFIG_JSON: JSON.stringify({ ...base, output: { format: "confluent-avro" }, schemaRegistry: { url: dead } }),
    });
    const downChecks = JSON.parse(down.stdout) as { name: string; status: string; detail: string; fix?: string }[];
    expect(downChecks.find((c) => c.name === "schema registry")).toMatchObject({ status: "fail", detail: expect.stringContaining(dead) });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain("failed: schema registry");

    const avro = await runCli(["doctor", "--role", "primary", "--json"], { ...models, ARBITER_CONFIG_JSON: JSON.stringify(base) });
    const avroChecks = JSON.parse(avro.stdout) as { name: string; status: string }[];
    expect(avroChecks.find((c) => c.name === "schema registry")?.status).toBe("skip");
  });

  it("checks Redis when the policy registry is on, even with the verdict cache off", async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const withRegistry = await runCli(["doctor", "--role", "primary", "--json"], {
      ...models,
      ARBITER_CONFIG_JSON: JSON.stringify({ kafka: { brokers: kafkaBrokers, topics }, redis: { url: deadRedis }, cache: { enabled: false } }),
    });
    const checks = JSON.parse(withRegistry.stdout) as { name: string; status: string; detail: string }[];
    expect(checks.find((c) => c.name === "redis")).toMatchObject({ status: "fail", detail: expect.stringContaining("refused") });
    expect(withRegistry.code).toBe(3);

    const neither = await runCli(["doctor", "--role", "primary", "--json"], {
      ...models,
      ARBITER_CONFIG_JSON: JSON.stringify({
        kafka: { brokers: kafkaBrokers, topics },
        redis: { url: deadRedis },
        cache: { enabled: false },
        policies: { registry: { enabled: false } },
      }),
    });
    expect((JSON.parse(neither.stdout) as { name: string; status: string }[]).find((c) => c.name === "redis")?.status).toBe("skip");
  });
});
