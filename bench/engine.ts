/**
 * Engine benchmark: `npm run bench:engine [-- --posts 12 --threads 1 --leak-calls 1000 --realistic-calls 1000 --only realistic|reuse]`.
 * First, a realistic configuration: the worker's default engine settings (config/default.json:
 * 3 sequences, analysis channel on) on the tiny random harmony model, 3 policies of the default
 * pack at their real sizes, in rounds: posts/s, ms/post and prompt tokens evaluated per post
 * with and without prefix reuse and with one sequence fewer than the policies, RSS after load
 * and after 1,000 model calls. The model writes
 * gibberish: the row measures token plumbing and prompt sizes, not judgement.
 * Then, on the small real model (Gemma 3 270M, CPU) with a ~500-token policy and ~60-token posts:
 *   - posts/s with policy-prefix reuse vs without (same model, posts and run),
 *   - 4 sequences vs 1 (both with reuse),
 *   - prompt and generation tokens/s;
 * and 1,000 calls on the tiny random llama to check that memory does not grow (leak check).
 * Prints its figures as one JSON object on the last line.
 */
import { cpus } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { SafeguardEngine, type EngineOptions, type EngineStats, type PolicyInput } from "@arbiter/shared/engine/index.js";
import { loadSpamGolden } from "@arbiter/shared/eval/labelled-sets.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";
import { fixturesDir, testModels } from "../scripts/lib/test-models.js";

const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index += 2) args.set(process.argv[index]!.replace(/^--/, ""), process.argv[index + 1] ?? "");
const postCount = Number(args.get("posts") ?? 12);
// One thread by default: on this shared 2-core machine two llama.cpp threads stalled whenever another process took a core.
const threads = Number(args.get("threads") ?? 1);
const leakCalls = Number(args.get("leak-calls") ?? 1000);
const realisticCalls = Number(args.get("realistic-calls") ?? 1000);
const realisticPosts = Number(args.get("realistic-posts") ?? 8);
const realisticRounds = Number(args.get("realistic-rounds") ?? 5);
const modelPath = args.get("model") ?? path.join(resolveFromRoot("."), "models", testModels.gemma);
const tinyPath = path.join(resolveFromRoot("."), "models", testModels.tinyLlama);
const harmonyPath = path.join(resolveFromRoot("."), "models", testModels.harmonyTiny);
for (const file of [modelPath, tinyPath, harmonyPath]) if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash scripts/models.sh\``);

const log = (message: string): void => void process.stderr.write(`[bench:engine] ${message}\n`);
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

// A verdict kept short (one rule id, a one-line rationale): the bench measures prompt handling, and a long rationale would measure decoding only.
const common: EngineOptions = { modelPath, threads, contextSize: 1536, rationaleMaxChars: 60, maxRuleIds: 1, finalMaxTokens: 96, defaultEffort: "low" };

async function main(): Promise<void> {
  // First, while no other model has touched the process's memory: its RSS readings are this engine's.
  const realistic = args.get("only") === "reuse" ? {} : await realisticRow();
  if (args.get("only") === "realistic") {
    console.log(JSON.stringify({ bench: "engine-realistic", ...realistic, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version }));
    return;
  }
  const probe = await SafeguardEngine.load({ ...common });
  const model = probe.llamaModel;
  const policy = makePolicy((text) => model.tokenize(text, false).length);
  const posts = makePosts((text) => model.tokenize(text, false).length);
  const policyTokens = model.tokenize(policy.text, false).length;
  // The harmony model's vocabulary is byte-level: the same policies in a real 262k-token vocabulary, for scale.
  const realisticPolicyTokensGemma = (await realisticPolicies()).map((p) => model.tokenize(p.text, false).length);
  const postTokens = posts.map((post) => model.tokenize(post, false).length);
  await probe.dispose();
  log(`policy ${policyTokens} tokens, ${posts.length} posts of ${Math.min(...postTokens)}–${Math.max(...postTokens)} tokens, threads ${threads}`);

  // `--only reuse`: just the prefix-reuse comparison (quick A/B while optimising the engine).
  if (args.get("only") === "reuse") {
    const [off, on] = await compare(
      [
        { ...common, prefixReuse: false, sequences: 1 },
        { ...common, prefixReuse: true, sequences: 1 },
      ],
      policy,
      posts,
      1,
    );
    console.log(
      JSON.stringify({
        bench: "engine-reuse",
        posts_per_s_no_reuse: round(off.postsPerSecond, 3),
        posts_per_s_reuse: round(on.postsPerSecond, 3),
        reuse_speedup: round(on.postsPerSecond / off.postsPerSecond),
        generated_tokens_per_post: round(on.generatedPerPost, 1),
      }),
    );
    return;
  }
  // First, before the larger model has touched the heap: 1,000 calls on the tiny model.
  const leak = await leakCheck(leakCalls);
  log(`leak check: rss ${leak.rssBeforeMb} MB → ${leak.rssAfterMb} MB over ${leakCalls} calls`);

  // Each comparison loads both engines and alternates them post by post (batch by batch for
  // sequences), so that load from other processes on a shared machine hits both sides alike.
  const [noReuse, reuse] = await compare(
    [
      { ...common, prefixReuse: false, sequences: 1 },
      { ...common, prefixReuse: true, sequences: 1 },
    ],
    policy,
    posts,
    1,
  );
  log(`reuse: ${noReuse.postsPerSecond.toFixed(2)} → ${reuse.postsPerSecond.toFixed(2)} posts/s`);
  const [seq1, seq4] = await compare(
    [
      { ...common, prefixReuse: true, sequences: 1 },
      { ...common, prefixReuse: true, sequences: 4 },
    ],
    policy,
    posts,
    4,
  );
  log(`sequences: 1 → 4: ${seq1.postsPerSecond.toFixed(2)} → ${seq4.postsPerSecond.toFixed(2)} posts/s`);
  // The same comparison with the shortest verdict the grammar allows (decision only): the prompt-bound case.
  const short: Partial<EngineOptions> = { rationaleMaxChars: 1, maxRuleIds: 0 };
  const [noReuseShort, reuseShort] = await compare(
    [
      { ...common, ...short, prefixReuse: false, sequences: 1 },
      { ...common, ...short, prefixReuse: true, sequences: 1 },
    ],
    policy,
    posts,
    1,
  );
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
    ...realistic,
    realistic_policy_tokens_gemma_vocab: realisticPolicyTokensGemma,
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
async function compare(
  variants: readonly [EngineOptions, EngineOptions],
  policy: PolicyInput,
  posts: readonly string[],
  batch: number,
): Promise<[Measured, Measured]> {
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
  const engine = await SafeguardEngine.load({
    modelPath: tinyPath,
    threads: 1,
    sequences: 2,
    contextSize: 1024,
    rationaleMaxChars: 8,
    maxRuleIds: 0,
    finalMaxTokens: 64,
  });
  const policy: PolicyInput = { id: "p", version: "1", text: "Ads with links violate." };
  // A real collection before each reading, so the figures are live memory, not pending garbage.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  try {
    const run = async (count: number): Promise<void> => {
      for (let index = 0; index < count; index += 2)
        await Promise.all(
          [0, 1].map((offset) => engine.classify({ postText: `post number ${index + offset} with text`, policies: [policy] }).catch(() => undefined)),
        );
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

/** The spam golden set's texts longer than 20 characters, in file order. */
function goldenTexts(): string[] {
  return loadSpamGolden(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"))
    .map((c) => c.text.trim())
    .filter((text) => text.length > 20);
}

/** Posts of about 60 tokens built from the golden dataset's texts, deterministic. */
function makePosts(count: (text: string) => number): string[] {
  const texts = goldenTexts();
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

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Three policies of the default pack that a gaming-forum post can hit together, as the worker passes them. */
const REALISTIC_POLICIES = ["cheats", "harassment", "violence"];

/** The realistic row's policies as the worker passes them to the engine (body, effort, rule ids). */
async function realisticPolicies(): Promise<PolicyInput[]> {
  const policySet = await loadPolicySet(path.join(resolveFromRoot("."), "config", "policies"));
  return REALISTIC_POLICIES.map((id) => {
    const policy = policySet.policies.find((p) => p.id === id);
    if (policy === undefined) throw new Error(`config/policies has no ${id}`);
    return { id, version: policy.version, text: policy.body, effort: policy.reasoningEffort ?? undefined, ruleIds: policy.rules.map((rule) => rule.id) };
  });
}

/** Per round: throughput and per-post token counts (deltas of the engine's counters). */
interface Round {
  postsPerSecond: number;
  msPerPost: number;
  promptTokensPerPost: number;
  evaluatedPerPost: number;
  generatedPerPost: number;
  failures: number;
}

/**
 * The realistic row: the worker's default engine settings on the harmony model, 3 policies.
 * Each round submits its posts at once, as the worker does under load (the engine queues
 * them and spreads each post's 3 policy calls over its sequences). The first round of each
 * engine is a warm-up and not counted. First the engine alone, with reuse: rounds until
 * `realisticCalls` model calls, RSS read after load and after them (GC first); then three
 * fresh engines, `realisticRounds` rounds each, alternated: with reuse, without, and with reuse
 * on one sequence fewer than the policies (so that their prefixes cannot all stay resident).
 */
async function realisticRow() {
  const deployed = (JSON.parse(readFileSync(path.join(resolveFromRoot("."), "config", "default.json"), "utf8")) as { engine: EngineOptions }).engine;
  const settings: EngineOptions = { ...deployed, modelPath: harmonyPath, threads };
  const policies = await realisticPolicies();
  // Posts of 200–300 characters from the golden set's texts (the model's judgement is not measured).
  const texts = goldenTexts();
  const posts = Array.from({ length: realisticPosts }, (_, index) => {
    let post = texts[index % texts.length] as string;
    for (let next = index + 1; post.length < 200; next += 1) post += ` ${texts[next % texts.length]}`;
    return post.slice(0, 300);
  });
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const rssMb = (): number => {
    gc();
    return round(process.memoryUsage().rss / 2 ** 20, 1);
  };

  async function runRound(engine: SafeguardEngine): Promise<Round> {
    const before = engine.stats();
    const started = performance.now();
    const outcomes = await Promise.allSettled(posts.map((postText) => engine.classify({ postText, policies })));
    const elapsed = performance.now() - started;
    const after = engine.stats();
    const perPost = (key: "promptTokens" | "evaluatedPromptTokens" | "generatedTokens"): number => (after[key] - before[key]) / posts.length;
    return {
      postsPerSecond: posts.length / (elapsed / 1000),
      msPerPost: elapsed / posts.length,
      promptTokensPerPost: perPost("promptTokens"),
      evaluatedPerPost: perPost("evaluatedPromptTokens"),
      generatedPerPost: perPost("generatedTokens"),
      failures: outcomes.filter((outcome) => outcome.status === "rejected").length,
    };
  }

  const reuse = await SafeguardEngine.load({ ...settings, prefixReuse: true });
  const rssAfterLoad = rssMb();
  const policyTokens = policies.map((policy) => reuse.llamaModel.tokenize(policy.text, false).length);
  const reuseRounds: Round[] = [];
  let modelCalls = 0;
  let rssAfterCalls: number;
  try {
    await runRound(reuse);
    modelCalls += posts.length * policies.length;
    while (modelCalls < realisticCalls || reuseRounds.length < realisticRounds) {
      reuseRounds.push(await runRound(reuse));
      modelCalls += posts.length * policies.length;
      if (reuseRounds.length % 5 === 0)
        log(`realistic: ${modelCalls} model calls, ${median(reuseRounds.map((r) => r.postsPerSecond)).toFixed(2)} posts/s (median so far)`);
    }
    rssAfterCalls = rssMb();
  } finally {
    await reuse.dispose();
  }
  // With vs without reuse, and with reuse on one sequence fewer than the policies (so that the
  // prefixes cannot all stay resident: the shipped default before it became one per busy policy):
  // three fresh engines, rounds alternated (the order rotates every round), so load hits all alike.
  const fewer = Math.max(1, policies.length - 1);
  const trio = [
    await SafeguardEngine.load({ ...settings, prefixReuse: true }),
    await SafeguardEngine.load({ ...settings, prefixReuse: false }),
    await SafeguardEngine.load({ ...settings, prefixReuse: true, sequences: fewer }),
  ] as const;
  const trioRounds: [Round[], Round[], Round[]] = [[], [], []];
  try {
    for (const engine of trio) await runRound(engine);
    for (let index = 0; index < realisticRounds; index += 1) {
      for (let turn = 0; turn < trio.length; turn += 1) {
        const side = ((index + turn) % trio.length) as 0 | 1 | 2;
        trioRounds[side].push(await runRound(trio[side]));
      }
    }
  } finally {
    for (const engine of trio) await engine.dispose();
  }
  const [withReuse, noReuseRounds, fewerRounds] = trioRounds;
  const med = (rounds: readonly Round[], key: keyof Round, digits = 1): number => round(median(rounds.map((r) => r[key])), digits);
  log(
    `realistic: ${med(reuseRounds, "postsPerSecond", 3)} posts/s over ${reuseRounds.length} rounds; alternated: ${med(withReuse, "postsPerSecond", 3)} with reuse, ${med(noReuseRounds, "postsPerSecond", 3)} without, ${med(fewerRounds, "postsPerSecond", 3)} with reuse on ${fewer} sequences; RSS ${rssAfterLoad} → ${rssAfterCalls} MB after ${modelCalls} model calls`,
  );
  return {
    realistic_model: path.basename(harmonyPath),
    realistic_measures: "token plumbing and prompt sizes of the default configuration; the model is random, its verdicts mean nothing",
    realistic_policies: REALISTIC_POLICIES,
    realistic_policy_efforts: policies.map((policy) => policy.effort),
    realistic_policy_tokens: policyTokens,
    realistic_settings: {
      sequences: deployed.sequences,
      threads,
      contextSize: deployed.contextSize,
      analysisBudget: deployed.analysisBudget,
      finalMaxTokens: deployed.finalMaxTokens,
      multiPolicyMode: deployed.multiPolicyMode,
    },
    realistic_posts_per_round: posts.length,
    realistic_post_chars_avg: round(posts.reduce((sum, post) => sum + post.length, 0) / posts.length, 1),
    realistic_rounds_reuse: reuseRounds.length,
    realistic_rounds_alternated: noReuseRounds.length,
    realistic_posts_per_s: med(reuseRounds, "postsPerSecond", 3),
    realistic_posts_per_s_rounds_min_max: [
      round(Math.min(...reuseRounds.map((r) => r.postsPerSecond)), 3),
      round(Math.max(...reuseRounds.map((r) => r.postsPerSecond)), 3),
    ],
    realistic_ms_per_post: med(reuseRounds, "msPerPost", 0),
    realistic_alternated_posts_per_s_reuse: med(withReuse, "postsPerSecond", 3),
    realistic_alternated_posts_per_s_no_reuse: med(noReuseRounds, "postsPerSecond", 3),
    realistic_alternated_ms_per_post_no_reuse: med(noReuseRounds, "msPerPost", 0),
    realistic_alternated_reuse_speedup: round(median(withReuse.map((r, index) => r.postsPerSecond / (noReuseRounds[index] as Round).postsPerSecond))),
    realistic_fewer_sequences: fewer,
    realistic_alternated_posts_per_s_fewer_sequences: med(fewerRounds, "postsPerSecond", 3),
    realistic_alternated_ms_per_post_fewer_sequences: med(fewerRounds, "msPerPost", 0),
    realistic_vs_fewer_sequences: round(median(withReuse.map((r, index) => r.postsPerSecond / (fewerRounds[index] as Round).postsPerSecond))),
    realistic_evaluated_prompt_tokens_per_post_fewer_sequences: med(fewerRounds, "evaluatedPerPost"),
    realistic_prompt_tokens_per_post: med(reuseRounds, "promptTokensPerPost"),
    realistic_evaluated_prompt_tokens_per_post_reuse: med(reuseRounds, "evaluatedPerPost"),
    realistic_evaluated_prompt_tokens_per_post_no_reuse: med(noReuseRounds, "evaluatedPerPost"),
    realistic_generated_tokens_per_post: med(reuseRounds, "generatedPerPost"),
    realistic_failed_posts: [...reuseRounds, ...withReuse, ...noReuseRounds].reduce((sum, r) => sum + r.failures, 0),
    realistic_model_calls: modelCalls,
    realistic_rss_after_load_mb: rssAfterLoad,
    realistic_rss_after_calls_mb: rssAfterCalls,
  };
}

await main();
