import type { ReasoningEffort } from "./harmony-renderer.js";
import { InvalidEngineOptionsError } from "./errors/invalid-engine-options-error.js";

/** How prompts are written for the model. */
export type PromptFormat = "auto" | "harmony" | "chat-template";

/** Settings of the safeguard engine. Every field is checked at start by {@link validateEngineOptions}. */
export interface EngineOptions {
  /** Path of the GGUF model file. */
  modelPath: string;
  /** Identifier reported in every verdict. @defaultValue the file name without `.gguf` */
  modelId?: string;
  /**
   * Compute backend. `auto` uses a GPU when a prebuilt binary and device exist, else the CPU
   * (and logs that it did); `cuda`/`vulkan` fail at start when unavailable; `false` forces CPU.
   * @defaultValue "auto"
   */
  gpu?: "auto" | "cuda" | "vulkan" | false;
  /** Layers to offload to the GPU: a count, `max`, or `auto` (fit to free VRAM). @defaultValue "auto" */
  gpuLayers?: number | "auto" | "max";
  /** KV-cache tokens per sequence (node-llama-cpp allocates this × `sequences`); must hold the longest policy + post + output. @defaultValue 4096 */
  contextSize?: number;
  /** Flash attention (ignored where the model or backend lacks it). @defaultValue "auto" */
  flashAttention?: boolean | "auto";
  /** Posts evaluated at once, as sequences of one context (batched together). @defaultValue 1 */
  sequences?: number;
  /**
   * CPU threads per evaluation. Unset, llama.cpp takes every core, which on small models
   * was hundreds of times slower here (see FACTS.md): measure per model and machine.
   * @defaultValue 1
   */
  threads?: number;
  /** Tokens per decode batch. @defaultValue 512 */
  batchSize?: number;
  /** `auto`: harmony when the vocabulary holds harmony's control tokens, else the model's chat template. @defaultValue "auto" */
  promptFormat?: PromptFormat;
  /** Effort used when a policy names none. @defaultValue "medium" */
  defaultEffort?: ReasoningEffort;
  /** Most analysis-channel tokens per effort before the channel is cut and closed. @defaultValue {low: 128, medium: 512, high: 2048} */
  analysisBudget?: Partial<Record<ReasoningEffort, number>>;
  /** Most final-channel tokens; a verdict not complete by then is an output error. @defaultValue 384 */
  finalMaxTokens?: number;
  /** Longest rationale the grammar allows, in characters. @defaultValue 400 */
  rationaleMaxChars?: number;
  /** Most rule ids per verdict the grammar allows. @defaultValue 8 */
  maxRuleIds?: number;
  /** Keep each sequence's evaluated policy prefix and evaluate only the post (off only to measure its worth). @defaultValue true */
  prefixReuse?: boolean;
  /** Calls waiting for a sequence before `classify` itself waits for room (backpressure). @defaultValue 64 */
  queueCapacity?: number;
  /** Deadline per call, queue wait included; `0` disables it. @defaultValue 60000 */
  timeoutMs?: number;
  /** `separate`: one model call per policy; `combined`: one call with a verdict per policy. @defaultValue "separate" */
  multiPolicyMode?: "separate" | "combined";
  /** Harmony system identity line. @defaultValue "You are ChatGPT, a large language model trained by OpenAI." */
  harmonyIdentity?: string;
  /** Harmony knowledge-cutoff line. @defaultValue "2024-06" */
  knowledgeCutoff?: string;
  /** Harmony `Current date:` line; off by default, since a daily change would invalidate every cached prefix. @defaultValue undefined */
  currentDate?: string;
}

/** {@link EngineOptions} with every default filled in. */
export type ResolvedEngineOptions = Required<Omit<EngineOptions, "currentDate" | "analysisBudget">> & {
  currentDate: string | undefined;
  analysisBudget: Record<ReasoningEffort, number>;
};

export const DEFAULT_ANALYSIS_BUDGET: Readonly<Record<ReasoningEffort, number>> = { low: 128, medium: 512, high: 2048 };
const EFFORTS: readonly ReasoningEffort[] = ["low", "medium", "high"];

/** Fills defaults and checks every field, throwing {@link InvalidEngineOptionsError} naming the first bad one. */
export function validateEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  if (typeof options.modelPath !== "string" || options.modelPath.trim() === "") throw new InvalidEngineOptionsError("modelPath", "must be a non-empty path");
  const fileName = options.modelPath.split(/[\\/]/).pop() ?? options.modelPath;
  const resolved: ResolvedEngineOptions = {
    modelPath: options.modelPath,
    modelId: options.modelId ?? fileName.replace(/\.gguf$/i, ""),
    gpu: options.gpu ?? "auto",
    gpuLayers: options.gpuLayers ?? "auto",
    contextSize: options.contextSize ?? 4096,
    flashAttention: options.flashAttention ?? "auto",
    sequences: options.sequences ?? 1,
    threads: options.threads ?? 1,
    batchSize: options.batchSize ?? 512,
    promptFormat: options.promptFormat ?? "auto",
    defaultEffort: options.defaultEffort ?? "medium",
    analysisBudget: { ...DEFAULT_ANALYSIS_BUDGET, ...options.analysisBudget },
    finalMaxTokens: options.finalMaxTokens ?? 384,
    rationaleMaxChars: options.rationaleMaxChars ?? 400,
    maxRuleIds: options.maxRuleIds ?? 8,
    prefixReuse: options.prefixReuse ?? true,
    queueCapacity: options.queueCapacity ?? 64,
    timeoutMs: options.timeoutMs ?? 60_000,
    multiPolicyMode: options.multiPolicyMode ?? "separate",
    harmonyIdentity: options.harmonyIdentity ?? "You are ChatGPT, a large language model trained by OpenAI.",
    knowledgeCutoff: options.knowledgeCutoff ?? "2024-06",
    currentDate: options.currentDate,
  };

  oneOf("gpu", resolved.gpu, ["auto", "cuda", "vulkan", false]);
  if (!(resolved.gpuLayers === "auto" || resolved.gpuLayers === "max")) integer("gpuLayers", resolved.gpuLayers, 0);
  integer("contextSize", resolved.contextSize, 256);
  oneOf("flashAttention", resolved.flashAttention, ["auto", true, false]);
  integer("sequences", resolved.sequences, 1, 64);
  integer("threads", resolved.threads, 1, 256);
  integer("batchSize", resolved.batchSize, 1);
  oneOf("promptFormat", resolved.promptFormat, ["auto", "harmony", "chat-template"]);
  oneOf("defaultEffort", resolved.defaultEffort, EFFORTS);
  for (const effort of Object.keys(resolved.analysisBudget)) oneOf("analysisBudget", effort, EFFORTS);
  for (const effort of EFFORTS) integer(`analysisBudget.${effort}`, resolved.analysisBudget[effort], 0);
  // Cross-field: a budget that grows with effort is the point of effort levels.
  if (!(resolved.analysisBudget.low <= resolved.analysisBudget.medium && resolved.analysisBudget.medium <= resolved.analysisBudget.high))
    throw new InvalidEngineOptionsError("analysisBudget", "must grow with effort (low ≤ medium ≤ high)");
  integer("finalMaxTokens", resolved.finalMaxTokens, 16);
  integer("rationaleMaxChars", resolved.rationaleMaxChars, 1);
  integer("maxRuleIds", resolved.maxRuleIds, 0, 64);
  if (typeof resolved.prefixReuse !== "boolean") throw new InvalidEngineOptionsError("prefixReuse", "must be a boolean");
  integer("queueCapacity", resolved.queueCapacity, 1);
  integer("timeoutMs", resolved.timeoutMs, 0);
  oneOf("multiPolicyMode", resolved.multiPolicyMode, ["separate", "combined"]);
  if (resolved.currentDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(resolved.currentDate))
    throw new InvalidEngineOptionsError("currentDate", "must be YYYY-MM-DD");
  // Cross-field: a sequence must hold the output budgets with room left for a prompt.
  if (resolved.contextSize < resolved.finalMaxTokens + resolved.analysisBudget.low + 128)
    throw new InvalidEngineOptionsError("contextSize", `(${resolved.contextSize}) is too small for the output budgets (finalMaxTokens + analysisBudget.low + 128)`);
  return resolved;
}

function integer(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidEngineOptionsError(field, `must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? "∞" : max}], got ${JSON.stringify(value)}`);
}

function oneOf<T>(field: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) throw new InvalidEngineOptionsError(field, `must be one of ${allowed.map((item) => JSON.stringify(item)).join(", ")}, got ${JSON.stringify(value)}`);
}
