import type { Logger } from "../observability/logger.js";
import type { EnginePort } from "../pipeline/index.js";
import type { EvalItem } from "./eval-report.js";
import type { LabelledPost } from "./labelled-posts.js";
import { PolicyEvaluator, type EvaluatorSettings } from "./policy-evaluator.js";
import type { Policy } from "../policy/policy.js";
import type { ResultsStore } from "./results-store.js";

/** A policy named on the command line, as the report names it, and the policy it resolved to. */
export interface PolicyTarget {
  name: string;
  policy: Policy;
}

export interface EvalRunOptions {
  posts: readonly LabelledPost[];
  /** Each target with the store of its run key. */
  targets: readonly { target: PolicyTarget; store: ResultsStore }[];
  engine: EnginePort;
  settings: EvaluatorSettings;
  /** Posts in flight at once (enough to keep every engine sequence busy). */
  concurrency: number;
  signal: AbortSignal;
  logger: Logger;
  /** After each post: how many of `total` are done (those taken from the stores count as done from the start). */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalRun {
  /** Per target, the items decided so far, in post order. */
  items: EvalItem[][];
  /** Posts whose results came from an earlier run. */
  resumed: number;
  interrupted: boolean;
}

/** Decides every post under every target, taking what the stores already hold and adding each new result as it comes. */
export async function runEval(options: EvalRunOptions): Promise<EvalRun> {
  const total = options.posts.length * options.targets.length;
  let resumed = 0;
  for (const { store } of options.targets) for (const post of options.posts) if (store.done(post.id)) resumed++;
  let done = resumed;
  options.onProgress?.(done, total);
  for (const { target, store } of options.targets) {
    if (options.signal.aborted) break;
    const evaluator = new PolicyEvaluator(target.policy, options.engine, options.settings, options.logger);
    const todo = options.posts.filter((p) => !store.done(p.id));
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !options.signal.aborted) {
        const post = todo[next++]!;
        try {
          const result = await evaluator.evaluate(post.id, post.text, options.signal);
          // A model call cut short by the interrupt ends as a failure: not a result to keep.
          if (options.signal.aborted && result.outcome === "failed") continue;
          store.add(result);
          options.onProgress?.(++done, total);
        } catch (error) {
          // Only an abort rejects (a failing model call is a result): the post runs again next time.
          if (!options.signal.aborted) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  }
  const items = options.targets.map(({ store }) =>
    options.posts.flatMap((post) => {
      const result = store.latest(post.id);
      return result ? [{ post, result }] : [];
    }),
  );
  return { items, resumed, interrupted: options.signal.aborted };
}
