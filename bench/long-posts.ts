/**
 * The cost of a long post in model calls: posts of 8k to 100k characters through the classifier's
 * own processor (PostProcessor: decode, prefilter, windows, decide) with the shipped budget
 * (pipeline.maxModelChars 8,000, pipeline.maxWindows 4), and a fake engine that counts calls
 * (one call per policy asked per window; combined mode asks all of them in one call). The fake
 * violates test-cheats when a window holds a marker; each post opens with a test-cheats keyword,
 * so the prefilter sends it to the model.
 *
 * Usage: npm run bench:long-posts
 * Prints one line per post: size, where the violation is, calls, windows read, action, truncated.
 */
import path from "node:path";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import { PostProcessor } from "@arbiter/shared/pipeline/post-processor.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

const MARKER = "SELLING-CHEATS";

/** Counts model calls; a window holding the marker violates. */
class CountingEngine implements EnginePort {
  readonly modelId = "counting";
  calls = 0;
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.calls += request.combined ? 1 : request.policies.length;
    const violate = request.postText.includes(MARKER);
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: violate ? "violate" : "allow",
      ruleIds: violate ? ["CH1"] : [],
      rationale: "",
      confidence: 0.95,
      reasoning: "",
      promptTokens: 0,
      generatedTokens: 0,
      latencyMs: 0,
    }));
  }
  queue() {
    return { depth: 0, capacity: 1, inFlight: 0, sequences: 1 };
  }
}

const config = loadConfig({}, {});
const codecs = createCodecs();
const set = await loadPolicySet(path.join(resolveFromRoot("test/fixtures/policies")));
const prefilter = new PolicyPrefilter(set, { maxModelChars: config.pipeline.maxModelChars, defaultEffort: config.engine.defaultEffort });
const engine = new CountingEngine();
const processor = new PostProcessor({
  codecs,
  topics: config.kafka.topics,
  input: config.input,
  pipeline: config.pipeline,
  engine,
  prefilter,
  cache: null,
  metrics: new WorkerMetrics(),
  logger: silentLogger,
});

const filler = (n: number) => "The weather was fine and the match went on for a while. ".repeat(Math.ceil(n / 56)).slice(0, n);
const opener = "Anyone else seen a wallhack lately? ";
const cases: { label: string; text: (n: number) => string }[] = [
  { label: "no violation", text: (n) => opener + filler(n - opener.length) },
  { label: "violation at the end, a keyword beside it", text: (n) => `${opener}${filler(n - opener.length - 40)} selling my aimbot ${MARKER}`.slice(0, n) },
  { label: "violation at the end, no keyword beside it", text: (n) => `${opener}${filler(n - opener.length - 30)} ${MARKER} dm me`.slice(0, n) },
];

console.log(`maxModelChars ${config.pipeline.maxModelChars}, maxWindows ${config.pipeline.maxWindows}, one policy sent to the model`);
console.log("chars   | post                                        | calls | windows | action | truncated");
let offset = 0;
for (const size of [8_000, 20_000, 50_000, 100_000]) {
  for (const c of cases) {
    const text = c.text(size);
    const post = { id: `p-${offset}`, forumId: "games", authorId: "a", text, language: null, createdAt: Date.now(), metadata: {}, threadId: null };
    const { value, headers } = codecs.post.encode(post);
    const before = engine.calls;
    const [result] = await processor.processBatch(
      [{ topic: config.kafka.topics.posts, partition: 0, offset: String(offset++), key: Buffer.from(post.id), value, headers }],
      new AbortController().signal,
    );
    const outputs = result!.kind === "ready" ? result!.outputs : await result!.run(new AbortController().signal);
    const out = outputs.find((o) => o.topic === config.kafka.topics.decisions)!;
    const decision: Decision = codecs.decision.decode(out.value, out.headers as Record<string, Buffer>);
    console.log(
      `${String(text.length).padEnd(7)} | ${c.label.padEnd(43)} | ${String(engine.calls - before).padEnd(5)} | ${String(decision.windowsRead).padEnd(7)} | ${decision.action.padEnd(6)} | ${decision.truncated}`,
    );
  }
}
