import type { ArbiterConfig } from "../config/arbiter-config.js";
import type { Effort } from "../policy/effort.js";
import type { Logger } from "../observability/logger.js";
import type { Policy } from "../policy/policy.js";
import { evaluationEngineSettings, LazyEngine } from "./evaluation.js";
import { PolicyEvaluator, type PostResult } from "./policy-evaluator.js";

/** A policy to classify under, and how the output names it (`spam@f8ccf463…`, the file). */
export interface ClassifyTarget {
  name: string;
  policy: Policy;
}

export interface ClassifyOptions {
  target: ClassifyTarget;
  /** A second version: each post is decided under it too. */
  against: ClassifyTarget | null;
  posts: readonly { id: string; text: string }[];
  effort: Effort | null;
  /** A model file over `engine.modelPath`. */
  model: string | null;
  /** Send every post to the model, as if the policy's prefilter were `all`. */
  skipPrefilter: boolean;
  signal: AbortSignal;
  logger: Logger;
}

/** One post's results under the policy and, with `against`, under the other version. */
export interface ClassifiedPost {
  id: string;
  result: PostResult;
  against: PostResult | null;
}

/** The verdict a result stands for: the model's decision, `allow` at the prefilter, else why there is none. */
export function verdictOf(result: PostResult): string {
  if (result.outcome === "prefilter") return "allow";
  if (result.outcome === "model") return result.decision ?? "none";
  return result.outcome;
}

/**
 * `arbiter classify` without the terminal: each post on the worker's own path (the
 * {@link PolicyEvaluator}: screen, prefilter, model, decide), under one policy and optionally a
 * second version. One engine, loaded at the first model call.
 */
export async function classifyPosts(config: ArbiterConfig, options: ClassifyOptions): Promise<{ items: ClassifiedPost[]; modelId: string }> {
  const { engineSettings } = await evaluationEngineSettings(config, options.model);
  const engine = new LazyEngine(engineSettings, options.logger);
  const settings = {
    pipeline: config.pipeline,
    effort: options.effort,
    defaultEffort: engineSettings.defaultEffort,
    maxRecordBytes: config.input.maxRecordBytes,
    topics: config.kafka.topics,
  };
  const evaluatorOf = (target: ClassifyTarget) =>
    new PolicyEvaluator(options.skipPrefilter ? { ...target.policy, prefilter: "all" } : target.policy, engine, settings, options.logger);
  const main = evaluatorOf(options.target);
  const other = options.against ? evaluatorOf(options.against) : null;
  try {
    const items = new Array<ClassifiedPost>(options.posts.length);
    let next = 0;
    const worker = async () => {
      while (next < options.posts.length && !options.signal.aborted) {
        const i = next++;
        const post = options.posts[i]!;
        const result = await main.evaluate(post.id, post.text, options.signal);
        const against = other ? await other.evaluate(post.id, post.text, options.signal) : null;
        items[i] = { id: post.id, result, against };
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, engineSettings.sequences * 2) }, worker));
    if (engine.loadError) throw engine.loadError;
    return { items: items.filter((item) => item !== undefined), modelId: engineSettings.modelId };
  } finally {
    await engine.dispose();
  }
}
