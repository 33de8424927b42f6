/**
 * GPU benchmark: `npm run bench:gpu [-- --model models/gpt-oss-safeguard-20b.gguf --sequences 1,4,16,32
 *   --context 8192 --gpu-layers max --batch 512 --threads 4 --efforts low,medium,high --posts median,2k
 *   --rounds 2 --max-seconds 0]`.
 * Loads the model on the GPU with the engine the worker uses (one context with the most sequences
 * asked for), then for each effort, post length and sequence count classifies posts under the
 * shipped pack's policies (each post under the next policy in turn, at that effort), that many at
 * once: posts/s, aggregate prompt and generated tokens/s, p50/p95 per call, peak VRAM. Posts are
 * of realistic length: `median`, a median forum post (~200 tokens: the spam golden set's posts
 * joined to ~800 characters) and `2k`, a 2,000-token post (~8,000 characters, the whole
 * `pipeline.maxModelChars` window). Each cell runs `rounds` × sequences posts after one warm-up
 * call per sequence. `--max-seconds` stops starting new cells past that time and says which were
 * skipped. Human-readable lines go to stderr; the last line of stdout is one JSON object
 * (`"bench":"gpu"`). Without a usable GPU it says so and exits 1; it never falls back to the CPU.
 * `--cpu` runs it on the CPU on purpose, only to check the bench itself on a small model
 * (`--model models/harmony-tiny-random.gguf`): its figures are no GPU's.
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
const list = (name: string, fallback: string): string[] => (args.get(name) || fallback).split(",").filter((v) => v !== "");
const sequenceCounts = list("sequences", "1,4,16,32").map(Number);
const maxSequences = Math.max(...sequenceCounts);
const contextSize = number("context", 8192);
const gpuLayers = args.has("gpu-layers") && args.get("gpu-layers") !== "max" ? Number(args.get("gpu-layers")) : "max";
const efforts = list("efforts", "low,medium,high") as Effort[];
const postKinds = list("posts", "median,2k") as PostKind[];
const rounds = number("rounds", 2);
const maxSeconds = number("max-seconds", 0);
const onCpu = args.has("cpu");
const MB = 1024 * 1024;

type PostKind = "median" | "2k";
/** Characters per post: ~4 characters per o200k token of English text. */
const POST_CHARS: Record<PostKind, number> = { median: 800, "2k": 8000 };

const log = (message: string): void => void process.stderr.write(`[bench:gpu] ${message}\n`);
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

function fail(message: string): never {
  log(message);
  process.exit(1);
}

/** The spam golden set's post texts (OpenAI's example data: text in the 2nd column, numbered rows only). */
function goldenTexts(): string[] {
  const rows = parseCsv(readFileSync(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"), "utf8"), { relaxColumnCount: true }) as string[][];
  return rows.filter((row) => /^\d+$/.test(row[0] ?? "") && (row[1] ?? "").trim() !== "").map((row) => row[1]!.trim());
}

/** `count` distinct posts of about `chars` characters: golden posts joined as paragraphs, each post starting at another one. */
function postsOf(texts: readonly string[], chars: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const parts: string[] = [];
    let length = 0;
    for (let j = i; length < chars; j++) {
      const text = texts[j % texts.length]!;
      parts.push(text);
      length += text.length + 2;
    }
    return parts.join("\n\n").slice(0, chars);
  });
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

interface CellFigures {
  effort: Effort;
  post: PostKind;
  sequences: number;
  posts: number;
  posts_per_s: number;
  p50_ms: number;
  p95_ms: number;
  prompt_tokens_per_s: number;
  generated_tokens_per_s: number;
  prompt_tokens_per_post: number;
  generated_tokens_per_post: number;
  vram_peak_mb: number;
}

/** Classifies `posts` at one effort, `concurrency` at a time (each under the next pack policy), after one warm-up call per sequence. */
async function measure(
  engine: SafeguardEngine,
  llama: Llama,
  pack: readonly PolicyInput[],
  cell: { effort: Effort; post: PostKind; sequences: number },
  posts: readonly string[],
): Promise<CellFigures> {
  const policyFor = (i: number): PolicyInput => ({ ...pack[i % pack.length]!, effort: cell.effort });
  await Promise.all(Array.from({ length: cell.sequences }, (_, i) => engine.classify({ postText: `warm-up ${i}`, policies: [policyFor(i)] })));
  const before = engine.stats();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const { peakBytes } = await withVramPeak(llama, () =>
    Promise.all(
      Array.from({ length: cell.sequences }, async () => {
        while (next < posts.length) {
          const index = next++;
          const callStarted = performance.now();
          await engine.classify({ postText: posts[index]!, policies: [policyFor(index)] });
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
    ...cell,
    posts: posts.length,
    posts_per_s: round(posts.length / seconds, 2),
    p50_ms: Math.round(quantile(latencies, 0.5)),
    p95_ms: Math.round(quantile(latencies, 0.95)),
    // Aggregate over the wall clock of the cell: every sequence's tokens together.
    prompt_tokens_per_s: round(delta("evaluatedPromptTokens") / seconds),
    generated_tokens_per_s: round(delta("generatedTokens") / seconds),
    prompt_tokens_per_post: round(delta("promptTokens") / posts.length),
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
  const pack: PolicyInput[] = (await loadPolicySet(resolveFromRoot("config/policies"))).policies.map((p) => ({
    id: p.id,
    version: p.version,
    text: p.body,
    ruleIds: p.rules.map((r) => r.id),
  }));
  if (pack.length === 0) fail("config/policies has no policy");
  const texts = goldenTexts();

  let engine: SafeguardEngine;
  try {
    engine = await SafeguardEngine.load({
      modelPath,
      gpu,
      gpuLayers: onCpu ? 0 : gpuLayers,
      contextSize,
      sequences: maxSequences,
      flashAttention: true,
      batchSize: number("batch", 512),
      threads: number("threads", 4),
      queueCapacity: Math.max(64, maxSequences * 2),
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
    `${path.basename(modelPath)} on ${backend} (${devices.join(", ") || "no GPU device"}): ${model.gpuLayers} layers offloaded, ${maxSequences} sequences × ${contextSize} tokens, VRAM ${Math.round(vram.used / MB)} of ${Math.round(vram.total / MB)} MB in use`,
  );

  const cells: CellFigures[] = [];
  const skipped: string[] = [];
  const benchStarted = performance.now();
  try {
    for (const effort of efforts)
      for (const post of postKinds)
        for (const count of sequenceCounts) {
          const name = `${effort}/${post}/${count}`;
          if (maxSeconds > 0 && (performance.now() - benchStarted) / 1000 > maxSeconds) {
            skipped.push(name);
            continue;
          }
          const figures = await measure(engine, llama, pack, { effort, post, sequences: count }, postsOf(texts, POST_CHARS[post], count * rounds));
          cells.push(figures);
          log(
            `${effort.padEnd(6)} ${post.padEnd(6)} ×${String(count).padEnd(3)} ${figures.posts_per_s} posts/s, p50 ${figures.p50_ms} ms, p95 ${figures.p95_ms} ms, ` +
              `prompt ${figures.prompt_tokens_per_s} tok/s (${figures.prompt_tokens_per_post}/post), generated ${figures.generated_tokens_per_s} tok/s (${figures.generated_tokens_per_post}/post), VRAM peak ${figures.vram_peak_mb} MB`,
          );
        }
  } finally {
    await engine.dispose();
  }
  if (skipped.length > 0) log(`past --max-seconds ${maxSeconds}: skipped ${skipped.join(", ")}`);
  const peak = cells.reduce((m, c) => Math.max(m, c.vram_peak_mb), 0);
  log(`peak VRAM ${peak} MB`);
  console.log(
    JSON.stringify({
      bench: "gpu",
      model: path.basename(modelPath),
      backend,
      devices,
      gpu_layers: model.gpuLayers,
      sequences: sequenceCounts,
      context_size: contextSize,
      policies: pack.map((p) => `${p.id}@${p.version}`),
      vram_total_mb: Math.round(vram.total / MB),
      vram_after_load_mb: Math.round(vram.used / MB),
      vram_peak_mb: peak,
      cells,
      skipped,
      node: process.version,
    }),
  );
}

await main();
