/**
 * GPU benchmark: `npm run bench:gpu [-- --model models/gpt-oss-safeguard-20b.gguf --sequences 16
 *   --context 4096 --gpu-layers max --batch 512 --threads 4 --posts 40 --efforts low,medium,high]`.
 * Loads the model on the GPU with the engine the worker uses, then at each reasoning effort
 * classifies the spam golden set's posts under the default pack's spam policy, as many at once as
 * there are sequences: posts/s, p50/p95 latency per post, generated and prompt tokens/s, VRAM
 * (after load, and the peak while running). Human-readable lines go to stderr; the last line of
 * stdout is one JSON object (`"bench":"gpu"`). Without a usable GPU it says so and exits 1; it
 * never falls back to the CPU. `--cpu` runs it on the CPU on purpose, only to check the bench
 * itself on a small model (`--model models/harmony-tiny-random.gguf`): its figures are no GPU's.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { getLlamaGpuTypes, type Llama } from "node-llama-cpp";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

import { SafeguardEngine, type EngineOptions, type EngineStats, type PolicyInput } from "@arbiter/shared/engine/index.js";
import type { Effort } from "@arbiter/shared/policy/effort.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { fixturesDir } from "../scripts/lib/test-models.js";

// `--name value` pairs; a `--flag` followed by another option (or nothing) has the value "".
const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index++) {
  const value = process.argv[index + 1];
  const isValue = value !== undefined && !value.startsWith("--");
  args.set(process.argv[index]!.replace(/^--/, ""), isValue ? value : "");
  if (isValue) index++;
}
const number = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);

const modelPath = resolveFromRoot(args.get("model") ?? "models/gpt-oss-safeguard-20b.gguf");
const sequences = number("sequences", 16);
const contextSize = number("context", 4096);
const gpuLayers = args.has("gpu-layers") && args.get("gpu-layers") !== "max" ? Number(args.get("gpu-layers")) : "max";
const efforts = (args.get("efforts") ?? "low,medium,high").split(",") as Effort[];
const onCpu = args.has("cpu");
const MB = 1024 * 1024;

const log = (message: string): void => void process.stderr.write(`[bench:gpu] ${message}\n`);
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

function fail(message: string): never {
  log(message);
  process.exit(1);
}

/** The spam golden set's post texts (OpenAI's example data: text in the 2nd column, numbered rows only). */
function goldenPosts(limit: number): string[] {
  const rows = parseCsv(readFileSync(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"), "utf8"), { relaxColumnCount: true }) as string[][];
  const texts = rows.filter((row) => /^\d+$/.test(row[0] ?? "") && (row[1] ?? "").trim() !== "").map((row) => row[1]!.trim());
  return Array.from({ length: limit }, (_, i) => texts[i % texts.length]!);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Peak VRAM in use while `run` runs, sampled every 250 ms. */
async function withVramPeak<T>(llama: Llama, run: () => Promise<T>): Promise<{ result: T; peakBytes: number }> {
  let peakBytes = (await llama.getVramState()).used;
  const timer = setInterval(() => void llama.getVramState().then((s) => (peakBytes = Math.max(peakBytes, s.used))), 250);
  try {
    const result = await run();
    peakBytes = Math.max(peakBytes, (await llama.getVramState()).used);
    return { result, peakBytes };
  } finally {
    clearInterval(timer);
  }
}

interface EffortFigures {
  posts_per_s: number;
  p50_ms: number;
  p95_ms: number;
  generated_tokens_per_s: number;
  prompt_tokens_per_s: number;
  generated_tokens_per_post: number;
  vram_peak_mb: number;
}

/** Classifies every post at one effort, `sequences` at a time, after one warm-up call per sequence. */
async function measure(engine: SafeguardEngine, llama: Llama, policy: PolicyInput, posts: readonly string[]): Promise<EffortFigures> {
  await Promise.all(Array.from({ length: sequences }, (_, i) => engine.classify({ postText: `warm-up ${i}`, policies: [policy] })));
  const before = engine.stats();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const { peakBytes } = await withVramPeak(llama, () =>
    Promise.all(
      Array.from({ length: sequences }, async () => {
        while (next < posts.length) {
          const postText = posts[next++]!;
          const callStarted = performance.now();
          await engine.classify({ postText, policies: [policy] });
          latencies.push(performance.now() - callStarted);
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = engine.stats();
  const delta = (key: keyof EngineStats) => (after[key] as number) - (before[key] as number);
  latencies.sort((a, b) => a - b);
  return {
    posts_per_s: round(posts.length / seconds, 2),
    p50_ms: Math.round(quantile(latencies, 0.5)),
    p95_ms: Math.round(quantile(latencies, 0.95)),
    generated_tokens_per_s: round(delta("generatedTokens") / seconds),
    prompt_tokens_per_s: round(delta("evaluatedPromptTokens") / (delta("promptMs") / 1000 || 1)),
    generated_tokens_per_post: round(delta("generatedTokens") / posts.length),
    vram_peak_mb: Math.round(peakBytes / MB),
  };
}

async function main(): Promise<void> {
  // Asks which backends have their libraries and a device here, before loading anything.
  const usable = (await getLlamaGpuTypes("supported")).filter((type) => type !== false);
  if (usable.length === 0 && !onCpu)
    fail(
      "no GPU here: node-llama-cpp finds no usable CUDA, Vulkan or Metal backend (driver, device or prebuilt binary missing). Run this on a GPU machine; it does not fall back to the CPU.",
    );
  const gpu: EngineOptions["gpu"] = onCpu
    ? false
    : ((args.get("gpu") as EngineOptions["gpu"] | undefined) ?? (usable.includes("cuda") ? "cuda" : (usable[0] as EngineOptions["gpu"])));
  const policy = (await loadPolicySet(resolveFromRoot("config/policies"))).get("spam");
  if (!policy) fail("config/policies has no spam policy");
  const posts = goldenPosts(number("posts", 40));

  let engine: SafeguardEngine;
  try {
    engine = await SafeguardEngine.load({
      modelPath,
      gpu,
      gpuLayers: onCpu ? 0 : gpuLayers,
      contextSize,
      sequences,
      flashAttention: true,
      batchSize: number("batch", 512),
      threads: number("threads", 4),
      queueCapacity: Math.max(64, sequences * 2),
      timeoutMs: 0,
    });
  } catch (error) {
    fail(
      `could not load ${modelPath} on ${String(gpu)}: ${(error as Error).message}${/ENOENT|not found|missing/i.test((error as Error).message) ? " (deploy/pull-models.sh downloads it)" : ""}`,
    );
  }
  const model = engine.llamaModel;
  const llama = model.llama;
  if (!onCpu && (llama.gpu === false || model.gpuLayers === 0))
    fail(`the model loaded without GPU layers (backend ${String(llama.gpu)}, ${model.gpuLayers} layers offloaded)`);
  const backend = llama.gpu === false ? "cpu" : llama.gpu;
  const vram = await llama.getVramState();
  const devices = await llama.getGpuDeviceNames();
  log(
    `${path.basename(modelPath)} on ${backend} (${devices.join(", ") || "no GPU device"}): ${model.gpuLayers} layers offloaded, ${sequences} sequences × ${contextSize} tokens, VRAM ${Math.round(vram.used / MB)} of ${Math.round(vram.total / MB)} MB in use`,
  );

  const byEffort: Partial<Record<Effort, EffortFigures>> = {};
  try {
    for (const effort of efforts) {
      const figures = await measure(
        engine,
        llama,
        { id: policy.id, version: policy.version, text: policy.body, effort, ruleIds: policy.rules.map((r) => r.id) },
        posts,
      );
      byEffort[effort] = figures;
      log(
        `${effort}: ${figures.posts_per_s} posts/s, p50 ${figures.p50_ms} ms, p95 ${figures.p95_ms} ms, ${figures.generated_tokens_per_s} generated tokens/s (${figures.generated_tokens_per_post} per post), VRAM peak ${figures.vram_peak_mb} MB`,
      );
    }
  } finally {
    await engine.dispose();
  }
  console.log(
    JSON.stringify({
      bench: "gpu",
      model: path.basename(modelPath),
      backend,
      devices,
      gpu_layers: model.gpuLayers,
      sequences,
      context_size: contextSize,
      posts: posts.length,
      policy: `${policy.id}@${policy.version}`,
      vram_total_mb: Math.round(vram.total / MB),
      vram_after_load_mb: Math.round(vram.used / MB),
      efforts: byEffort,
      node: process.version,
    }),
  );
}

await main();
