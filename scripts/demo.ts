// The quick start's demo: produces labelled example posts (OpenAI's spam golden set and a few
// gaming-forum posts) to the posts topic and prints each decision as the worker publishes it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import type { Post } from "@arbiter/shared/codec/records.js";
import { createKafka } from "@arbiter/shared/kafka/kafka-client.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";
import { decodeRecord } from "@arbiter/shared/codec/topic-record.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { createPostWriter } from "@arbiter/shared/codec/post-writer.js";
import { fixturesDir } from "./lib/test-models.js";

const config = loadConfig();
const logger = createLogger("demo", "warn");
const schemas = ShippedSchemas.load();
const runId = Date.now().toString(36);

function goldenSpam(): { text: string; label: string }[] {
  const rows = readFileSync(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"), "utf8").split(/\r?\n/);
  const out: { text: string; label: string }[] = [];
  for (const row of rows) {
    // Rows: number, "text" (may be quoted with commas), ..., label in the 10th column.
    const cells = row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((c) => c.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"')) ?? [];
    if (/^\d+$/.test(cells[0] ?? "") && cells[1]) out.push({ text: cells[1].trim(), label: cells[9]?.trim() ?? "" });
  }
  return out;
}

const gaming = [
  "Anyone selling a working aimbot for the new season? Paying well.",
  "GG last night, that final round was insane.",
  "Reported a guy with an obvious wallhack, hope he gets banned.",
  "Free skins generator, just log in with your account at skins-free.xyz",
];

const posts: (Post & { label: string })[] = [
  ...goldenSpam().map((s, i) => ({ id: `demo-${runId}-spam-${i}`, forumId: "general", text: s.text, label: s.label })),
  ...gaming.map((text, i) => ({ id: `demo-${runId}-game-${i}`, forumId: "gaming", text, label: "" })),
].map((p) => ({ ...p, authorId: "demo", language: "en", createdAt: Date.now(), metadata: {}, threadId: null }));

// Wait for the primary worker (it creates the topics and loads the model first).
const readyUrl = `http://${config.http.host}:${config.http.port}/readyz`;
for (let waited = 0; ; waited += 1000) {
  const ok = await fetch(readyUrl).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (waited > 300_000) throw new Error(`the worker was not ready at ${readyUrl} within 5 minutes`);
  await new Promise((r) => setTimeout(r, 1000));
}

const kafka = createKafka(config.kafka, "arbiter-demo", logger);
const producer = kafka.producer();
await producer.connect();
// As the workers read them (input.format): Arbiter's Avro, JSON or the Confluent wire format.
const writer = await createPostWriter(config, config.kafka.topics.posts);
await producer.send({ topic: config.kafka.topics.posts, acks: -1, messages: posts.map(({ label: _label, ...p }) => writer.message(p)) });
writer.close();
await producer.disconnect();
console.log(`demo: produced ${posts.length} posts to ${config.kafka.topics.posts}; waiting for decisions (the model runs on CPU here: minutes, not seconds)`);

const wanted = new Map(posts.map((p) => [p.id, p]));
const seen = new Map<string, string>();
const consumer = kafka.consumer({ groupId: `arbiter-demo-${runId}`, readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topic: config.kafka.topics.decisions, fromBeginning: true });
const started = Date.now();
let skipped = 0;
await new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, Number(process.env.DEMO_TIMEOUT_MS ?? 900_000));
  void consumer.run({
    eachMessage: async ({ message }) => {
      // Either output format: decodeRecord reads the Confluent frame too.
      const decoded = decodeRecord(schemas, { value: message.value, headers: message.headers ?? {} });
      if (decoded.kind !== "decision") {
        skipped++; // a record this demo cannot read (e.g. written by an older build): not ours
        return;
      }
      const d = decoded.value;
      const p = wanted.get(d.postId);
      if (!p) return;
      const verdicts = d.verdicts
        .filter((v) => v.source !== "prefilter")
        .map((v) => `${v.policyId}:${v.decision}${v.ruleIds.length ? `[${v.ruleIds.join(",")}]` : ""}@${v.confidence.toFixed(2)}`);
      console.log(
        `${String(seen.size + 1).padStart(3)}/${posts.length} ${d.action.padEnd(6)} ${d.stage.padEnd(10)} ${p.label.padEnd(4)} ${verdicts.join(" ") || "-"}  "${p.text.slice(0, 60)}"`,
      );
      seen.set(d.postId, d.action);
      if (seen.size >= posts.length) {
        clearTimeout(timer);
        resolve();
      }
    },
  });
});
await consumer.disconnect();
const actions = [...seen.values()].reduce<Record<string, number>>((acc, a) => ({ ...acc, [a]: (acc[a] ?? 0) + 1 }), {});
console.log(
  JSON.stringify({
    demo: "decisions",
    posts: posts.length,
    decided: seen.size,
    actions,
    seconds: Math.round((Date.now() - started) / 1000),
    unreadable_skipped: skipped,
  }),
);
process.exit(seen.size === posts.length ? 0 : 1);
