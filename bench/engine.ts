/**
 * Engine benchmark: `npm run bench:engine [-- --posts 12 --threads 1 --leak-calls 1000]`.
 * On the small real model (Gemma 3 270M, CPU) with a ~500-token policy and ~60-token posts:
 *   - posts/s with policy-prefix reuse vs without (same model, posts and run),
 *   - 4 sequences vs 1 (both with reuse),
 *   - prompt and generation tokens/s;
 * and, first, 1,000 calls on the tiny random llama to check that memory does not grow (leak check).
 * Prints its figures as one JSON object on the last line.
 */
import { cpus } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { SafeguardEngine, type EngineOptions, type EngineStats, type PolicyInput } from "@arbiter/shared/engine/index.js";
import { fixturesDir, repoRoot, testModels } from "../test/support/env.js";

const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index += 2) args.set(process.argv[index]!.replace(/^--/, ""), process.argv[index + 1] ?? "");
const postCount = Number(args.get("posts") ?? 12);
// One thread by default: on this shared 2-core machine two llama.cpp threads stalled whenever another process took a core.
const threads = Number(args.get("threads") ?? 1);
const leakCalls = Number(args.get("leak-calls") ?? 1000);
const modelPath = args.get("model") ?? path.join(repoRoot, "models", testModels.gemma);
const tinyPath = path.join(repoRoot, "models", testModels.tinyLlama);
for (const file of [modelPath, tinyPath]) if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash scripts/models.sh\``);

const log = (message: string): void => void process.stderr.write(`[bench:engine] ${message}\n`);
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

// A verdict kept short (one rule id, a one-line rationale): the bench measures prompt handling, and a long rationale would measure decoding only.
const common: EngineOptions = { modelPath, threads, contextSize: 1536, rationaleMaxChars: 60, maxRuleIds: 1, finalMaxTokens: 96, defaultEffort: "low" };

async function main(): Promise<void> {
  const probe = await SafeguardEngine.load({ ...common });
  const model = probe.llamaModel;
  const policy = makePolicy((text) => model.tokenize(text, false).length);
  const posts = makePosts((text) => model.tokenize(text, false).length);
  const policyTokens = model.tokenize(policy.text, false).length;
  const postTokens = posts.map((post) => model.tokenize(post, false).length);
  await probe.dispose();
  log(`policy ${policyTokens} tokens, ${posts.length} posts of ${Math.min(...postTokens)}–${Math.max(...postTokens)} tokens, threads ${threads}`);

  // `--only reuse`: just the prefix-reuse comparison (quick A/B while optimising the engine).
  if (args.get("only") === "reuse") {
    const [off, on] = await compare([{ ...common, prefixReuse: false, sequences: 1 }, { ...common, prefixReuse: true, sequences: 1 }], policy, posts, 1);
    console.log(JSON.stringify({ bench: "engine-reuse", posts_per_s_no_reuse: round(off.postsPerSecond, 3), posts_per_s_reuse: round(on.postsPerSecond, 3), reuse_speedup: round(on.postsPerSecond / off.postsPerSecond), generated_tokens_per_post: round(on.generatedPerPost, 1) }));
    return;
  }
  // First, before the larger model has touched the heap: 1,000 calls on the tiny model.
  const leak = await leakCheck(leakCalls);
  log(`leak check: rss ${leak.rssBeforeMb} MB → ${leak.rssAfterMb} MB over ${leakCalls} calls`);

  // Each comparison loads both engines and alternates them post by post (batch by batch for
  // sequences), so that load from other processes on a shared machine hits both sides alike.
  const [noReuse, reuse] = await compare([{ ...common, prefixReuse: false, sequences: 1 }, { ...common, prefixReuse: true, sequences: 1 }], policy, posts, 1);
  log(`reuse: ${noReuse.postsPerSecond.toFixed(2)} → ${reuse.postsPerSecond.toFixed(2)} posts/s`);
  const [seq1, seq4] = await compare([{ ...common, prefixReuse: true, sequences: 1 }, { ...common, prefixReuse: true, sequences: 4 }], policy, posts, 4);
  log(`sequences: 1 → 4: ${seq1.postsPerSecond.toFixed(2)} → ${seq4.postsPerSecond.toFixed(2)} posts/s`);
  // The same comparison with the shortest verdict the grammar allows (decision only): the prompt-bound case.
  const short: Partial<EngineOptions> = { rationaleMaxChars: 1, maxRuleIds: 0 };
  const [noReuseShort, reuseShort] = await compare([{ ...common, ...short, prefixReuse: false, sequences: 1 }, { ...common, ...short, prefixReuse: true, sequences: 1 }], policy, posts, 1);
  log(`decision-only verdict: ${noReuseShort.postsPerSecond.toFixed(2)} → ${reuseShort.postsPerSecond.toFixed(2)} posts/s with reuse`);

  const result = {
    bench: "engine",
    model: path.basename(modelPath),
    threads,
    policy_tokens: policyTokens,
    post_tokens_avg: round(postTokens.reduce((a, b) => a + b, 0) / postTokens.length, 1),
    posts: posts.length,
    posts_per_s_no_reuse: round(noReuse.postsPerSecond, 3),
    posts_per_s_reuse: round(reuse.postsPerSecond, 3),
    reuse_speedup: round(reuse.postsPerSecond / noReuse.postsPerSecond),
    posts_per_s_seq1: round(seq1.postsPerSecond, 3),
    posts_per_s_seq4: round(seq4.postsPerSecond, 3),
    seq4_vs_seq1: round(seq4.postsPerSecond / seq1.postsPerSecond),
    prompt_tokens_per_s: round(noReuse.promptTokensPerSecond, 1),
    evaluated_prompt_tokens_per_post_no_reuse: round(noReuse.evaluatedPerPost, 1),
    evaluated_prompt_tokens_per_post_reuse: round(reuse.evaluatedPerPost, 1),
    generation_tokens_per_s: round(reuse.generationTokensPerSecond, 1),
    generated_tokens_per_post: round(reuse.generatedPerPost, 1),
    affinity_hits_seq4: seq4.stats.affinityHits,
    reuse_speedup_decision_only: round(reuseShort.postsPerSecond / noReuseShort.postsPerSecond),
    posts_per_s_decision_only_no_reuse: round(noReuseShort.postsPerSecond, 3),
    posts_per_s_decision_only_reuse: round(reuseShort.postsPerSecond, 3),
    leak_calls: leakCalls,
    leak_rss_before_mb: leak.rssBeforeMb,
    leak_rss_after_mb: leak.rssAfterMb,
    leak_rss_growth_mb: round(leak.rssAfterMb - leak.rssBeforeMb, 1),
    leak_heap_growth_mb: leak.heapGrowthMb,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    node: process.version,
  };
  console.log(JSON.stringify(result));
}

interface Measured {
  postsPerSecond: number;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
  evaluatedPerPost: number;
  generatedPerPost: number;
  stats: EngineStats;
}

/**
 * Loads one engine per option set and classifies every post on each, alternating engines
 * every `batch` posts (a batch runs sequentially on one sequence, concurrently on several).
 * Every engine first warms up one call per sequence, so each sequence holds the policy prefix.
 */
async function compare(variants: readonly [EngineOptions, EngineOptions], policy: PolicyInput, posts: readonly string[], batch: number): Promise<[Measured, Measured]> {
  const engines: SafeguardEngine[] = [];
  try {
    for (const options of variants) engines.push(await SafeguardEngine.load(options));
    for (const [index, engine] of engines.entries()) {
      const sequences = variants[index]?.sequences ?? 1;
      await Promise.all(Array.from({ length: sequences }, (_, slot) => engine.classify({ postText: `warm-up post ${slot}`, policies: [policy] })));
    }
    const before = engines.map((engine) => engine.stats());
    const elapsed = engines.map(() => 0);
    for (let start = 0; start < posts.length; start += batch) {
      const chunk = posts.slice(start, start + batch);
      for (const [index, engine] of engines.entries()) {
        const started = performance.now();
        if ((variants[index]?.sequences ?? 1) > 1) await Promise.all(chunk.map((postText) => engine.classify({ postText, policies: [policy] })));
        else for (const postText of chunk) await engine.classify({ postText, policies: [policy] });
        elapsed[index]! += performance.now() - started;
      }
    }
    const measured = engines.map((engine, index): Measured => {
      const stats = engine.stats();
      const delta = (key: keyof EngineStats): number => (stats[key] as number) - (before[index]![key] as number);
      return {
        postsPerSecond: posts.length / (elapsed[index]! / 1000),
        promptTokensPerSecond: delta("evaluatedPromptTokens") / (delta("promptMs") / 1000),
        generationTokensPerSecond: delta("generatedTokens") / (delta("generationMs") / 1000),
        evaluatedPerPost: delta("evaluatedPromptTokens") / posts.length,
        generatedPerPost: delta("generatedTokens") / posts.length,
        stats,
      };
    });
    return [measured[0]!, measured[1]!];
  } finally {
    for (const engine of engines) await engine.dispose();
  }
}

/** 1,000 short calls on the tiny model, two sequences: RSS after warm-up vs after the run. */
async function leakCheck(calls: number) {
  const engine = await SafeguardEngine.load({ modelPath: tinyPath, threads: 1, sequences: 2, contextSize: 1024, rationaleMaxChars: 8, maxRuleIds: 0, finalMaxTokens: 64 });
  const policy: PolicyInput = { id: "p", version: "1", text: "Ads with links violate." };
  // A real collection before each reading, so the figures are live memory, not pending garbage.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  try {
    const run = async (count: number): Promise<void> => {
      for (let index = 0; index < count; index += 2)
        await Promise.all([0, 1].map((offset) => engine.classify({ postText: `post number ${index + offset} with text`, policies: [policy] }).catch(() => undefined)));
    };
    await run(100);
    gc();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    await run(calls);
    gc();
    const after = process.memoryUsage();
    return {
      rssBeforeMb: round(rssBefore / 2 ** 20, 1),
      rssAfterMb: round(after.rss / 2 ** 20, 1),
      heapGrowthMb: round((after.heapUsed - heapBefore) / 2 ** 20, 1),
    };
  } finally {
    await engine.dispose();
  }
}

/** OpenAI's spam policy, cut to about 500 tokens of this model. */
function makePolicy(count: (text: string) => number): PolicyInput {
  const full = readFileSync(path.join(fixturesDir, "spam-policy", "policy.txt"), "utf8");
  let end = full.length;
  while (count(full.slice(0, end)) > 500) end = Math.floor(end * 0.95);
  return { id: "spam", version: "bench", text: full.slice(0, end), ruleIds: ["SP0", "SP2", "SP3", "SP4"] };
}

/** Posts of about 60 tokens built from the golden dataset's texts, deterministic. */
function makePosts(count: (text: string) => number): string[] {
  const rows = parseCsv(readFileSync(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"), "utf8"));
  // Data rows start with a number; section rows (SP0, SP2, ...) do not.
  const texts = rows.filter((row) => /^\d+$/.test(row[0] ?? "")).map((row) => (row[1] ?? "").trim()).filter((text) => text.length > 20);
  const posts: string[] = [];
  for (let index = 0; posts.length < postCount; index += 1) {
    let post = texts[index % texts.length] ?? "post";
    let next = index + 1;
    while (count(post) < 60) post += ` ${texts[next++ % texts.length] ?? "more"}`;
    while (count(post) > 62) post = post.slice(0, -4);
    posts.push(post);
  }
  return posts;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else if (char !== "\r") field += char;
  }
  if (field.length > 0 || row.length > 0) rows.push([...row, field]);
  return rows;
}

await main();
