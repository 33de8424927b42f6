import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import type { Effort } from "../policy/effort.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { resolvePolicyRef } from "../policy-registry/resolve-policy-ref.js";
import { validateEngineOptions, type ResolvedEngineOptions } from "../engine/options.js";
import type { Logger } from "../observability/logger.js";
import { UsageError } from "../errors/usage-error.js";
import { loadEnginePort, type ClassifyRequest, type EnginePort, type ModelVerdict, type SafeguardEnginePort } from "../pipeline/index.js";
import type { DatasetFormat } from "./dataset-file.js";
import { buildEvalReport, flips, type EvalItem, type EvalReport, type Flip } from "./eval-report.js";
import { runEval } from "./eval-run.js";
import { readLabelledPosts, type BadRowPolicy, type LabelColumns, type LabelledPost } from "./labelled-posts.js";
import type { PolicyTarget } from "./eval-run.js";
import { ResultsStore, type RunKey } from "./results-store.js";
import { seededSample } from "../stats/seeded-sample.js";

export interface EvaluationOptions {
  dataset: string;
  format: DatasetFormat;
  columns: LabelColumns;
  onBadRow: BadRowPolicy;
  /** One or two policy references (`ID`, `ID@VERSION`, `FILE`), resolved as every command resolves `--policy`. */
  policies: readonly string[];
  effort: Effort | null;
  /** The first `limit` posts, or `sample` posts drawn with `seed`; neither: all. */
  limit: number | null;
  sample: number | null;
  seed: number;
  /** A model file over `engine.modelPath` (resolved from the working directory). */
  model: string | null;
  resultsDir: string;
  resume: boolean;
  signal: AbortSignal;
  logger: Logger;
  warn: (message: string) => void;
  /** Called once the work is known, then after each post. */
  onProgress?: (done: number, total: number) => void;
}

export interface Evaluation {
  posts: LabelledPost[];
  targets: PolicyTarget[];
  items: EvalItem[][];
  reports: EvalReport[];
  /** With two policies: the posts they decide differently. */
  flipped: Flip[] | null;
  modelId: string;
  resultFiles: string[];
  resumed: number;
  interrupted: boolean;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Engine settings that change only speed or memory, not what the model answers: left out of the run key. */
const SPEED_ONLY = new Set([
  "gpu",
  "gpuLayers",
  "sequences",
  "threads",
  "batchSize",
  "flashAttention",
  "prefixReuse",
  "queueCapacity",
  "timeoutMs",
  "modelPath",
  "modelId",
]);

function answerSettings(engine: ResolvedEngineOptions, config: ArbiterConfig): Record<string, unknown> {
  return { ...Object.fromEntries(Object.entries(engine).filter(([k]) => !SPEED_ONLY.has(k))), maxModelChars: config.pipeline.maxModelChars };
}

/** The posts the options select, in file order. */
export function selectPosts(posts: readonly LabelledPost[], options: Pick<EvaluationOptions, "limit" | "sample" | "seed">): LabelledPost[] {
  if (options.limit !== null) return posts.slice(0, options.limit);
  if (options.sample !== null) return seededSample(posts, options.sample, options.seed);
  return [...posts];
}

/**
 * `arbiter eval` without the terminal: reads the labelled set, resolves the policies, decides
 * every selected post under each policy on the worker's path (resuming from the results files;
 * one engine, loaded at the first model call, disposed at the end), and builds the reports.
 */
export async function runEvaluation(config: ArbiterConfig, options: EvaluationOptions): Promise<Evaluation> {
  const all = await readLabelledPosts(options.dataset, options.format, options.columns, options.onBadRow, options.warn);
  if (all.length === 0) throw new Error(`${options.dataset}: no labelled posts`);
  const posts = selectPosts(all, options);
  const targets: PolicyTarget[] = [];
  const warnings = new Set<string>();
  for (const ref of options.policies) {
    const { name, policy, warnings: about } = await resolvePolicyRef(ref, { config });
    targets.push({ name, policy });
    for (const warning of about) warnings.add(warning);
  }
  for (const warning of warnings) options.warn(`warning: ${warning}`);

  const { engineSettings, modelFile } = await evaluationEngineSettings(config, options.model);
  const datasetSha = await sha256OfFile(options.dataset);
  const stores = targets.map((target) => {
    const key: RunKey = {
      dataset: { sha256: datasetSha, textField: options.columns.text, idField: options.columns.id },
      policy: { id: target.policy.id, version: target.policy.version },
      effort: options.effort ?? config.pipeline.effort,
      model: { id: engineSettings.modelId, bytes: modelFile.size, modifiedMs: Math.round(modelFile.mtimeMs) },
      settings: answerSettings(engineSettings, config),
    };
    return ResultsStore.open(options.resultsDir, key, options.resume);
  });

  const engine = new LazyEngine(engineSettings, options.logger);
  try {
    const run = await runEval({
      posts,
      targets: targets.map((target, i) => ({ target, store: stores[i]! })),
      engine,
      settings: {
        pipeline: config.pipeline,
        effort: options.effort,
        defaultEffort: engineSettings.defaultEffort,
        maxRecordBytes: config.input.maxRecordBytes,
        topics: config.kafka.topics,
      },
      concurrency: engineSettings.sequences * 2,
      signal: options.signal,
      logger: options.logger,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    if (engine.loadError) throw engine.loadError;
    const reports = targets.map((t, i) =>
      buildEvalReport(
        t.name,
        { id: t.policy.id, version: t.policy.version, escalationThreshold: t.policy.escalationThreshold, ruleIds: t.policy.rules.map((r) => r.id) },
        run.items[i]!,
      ),
    );
    return {
      posts,
      targets,
      items: run.items,
      reports,
      flipped: targets.length === 2 ? flips(run.items[0]!, run.items[1]!) : null,
      modelId: engineSettings.modelId,
      resultFiles: stores.map((s) => s.file),
      resumed: run.resumed,
      interrupted: run.interrupted,
    };
  } finally {
    await engine.dispose();
  }
}

/** The engine section with `model` (a file given on the command line) over its model path; a usage error when the file is missing. */
export async function evaluationEngineSettings(
  config: ArbiterConfig,
  model: string | null,
): Promise<{ engineSettings: ResolvedEngineOptions; modelFile: Stats }> {
  const engineSettings = validateEngineOptions({
    ...config.engine,
    modelPath: model === null ? resolveFromRoot(config.engine.modelPath) : path.resolve(model),
    // The file name names a model given on the command line, not the configured id.
    ...(model === null ? {} : { modelId: undefined }),
  });
  const modelFile = await stat(engineSettings.modelPath).catch(() => {
    throw new UsageError(`model file ${engineSettings.modelPath} not found (--model, or engine.modelPath / ARBITER_MODEL)`);
  });
  return { engineSettings, modelFile };
}

/** The configured engine, loaded at the first model call: a run whose posts all stop at the prefilter, or are all in the results files, loads no model. */
export class LazyEngine implements EnginePort {
  private loaded: Promise<SafeguardEnginePort> | null = null;
  constructor(
    private readonly settings: ResolvedEngineOptions,
    private readonly logger: Logger,
  ) {}

  get modelId(): string {
    return this.settings.modelId;
  }

  /** Why the model did not load, if it did not: the run reports that rather than one engine failure per post. */
  loadError: Error | null = null;

  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.loaded ??= loadEnginePort(this.settings, this.logger).catch((error: Error) => {
      this.loadError = error;
      throw error;
    });
    return (await this.loaded).classify(request);
  }

  queue(): { depth: number; capacity: number; inFlight: number; sequences: number } {
    return { depth: 0, capacity: this.settings.queueCapacity, inFlight: 0, sequences: this.settings.sequences };
  }

  async dispose(): Promise<void> {
    await (await this.loaded?.catch(() => null))?.dispose();
  }
}
