import { z } from "zod";
import { issueField, issueProblem } from "../settings/zod-issues.js";
import { EFFORTS, type Effort } from "../policy/effort.js";
import { InvalidEngineOptionsError } from "./errors/invalid-engine-options-error.js";

/** Reasoning effort as a setting (the engine options and the worker config share it). */
export const effortSchema = z.enum(EFFORTS);

/** How prompts are written for the model. */
export const promptFormatSchema = z.enum(["auto", "harmony", "chat-template"]);
export type PromptFormat = z.infer<typeof promptFormatSchema>;

export const DEFAULT_ANALYSIS_BUDGET: Readonly<Record<Effort, number>> = { low: 128, medium: 512, high: 2048 };

const budget = (effort: Effort) =>
  z
    .int()
    .min(0)
    .describe(`Most analysis-channel tokens at effort ${effort} before the channel is cut and closed (budgets grow with effort).`)
    .default(DEFAULT_ANALYSIS_BUDGET[effort]);

/** Every engine option, with its default and its doc. */
const engineOptionFields = {
  modelPath: z
    .string()
    .regex(/\S/, "must be a non-empty path")
    .describe("Path of the GGUF model file (the worker resolves a relative path from the repository root)."),
  modelId: z
    .string()
    .min(1)
    .optional()
    .describe("Identifier reported in every verdict; unset: the model file name without `.gguf` (and a split file's `-00001-of-0000N`)."),
  gpu: z
    .literal(["auto", "cuda", "vulkan", false])
    .describe(
      "Compute backend: `auto` uses a GPU when a prebuilt binary and device exist, else the CPU (and logs it); `cuda`/`vulkan` fail at start when unavailable; `false` forces the CPU.",
    )
    .default("auto"),
  gpuLayers: z
    .union([z.int().min(0), z.enum(["auto", "max"])], { error: 'must be a count (≥ 0), "auto" or "max"' })
    .describe("Layers offloaded to the GPU: a count, `max`, or `auto` (fit to free VRAM).")
    .default("auto"),
  contextSize: z.int().min(256).describe("KV-cache tokens per sequence (allocated × `sequences`); must hold the longest policy + post + output.").default(4096),
  flashAttention: z.literal(["auto", true, false]).describe("Flash attention (ignored where the model or backend lacks it).").default("auto"),
  sequences: z
    .int()
    .min(1)
    .max(64)
    .describe(
      "Posts evaluated at once, as sequences of one context (batched together). Each keeps the last policy prefix it evaluated, so prefix reuse pays while there are at least as many as the policies that take most calls (deploy/GPU.md).",
    )
    .default(1),
  // Unset, llama.cpp takes every core: on 2-core machines a context created without `threads` ran 4 threads and took ~220 ms per generated token on the 1.7 MB random model; with `threads: 1`, 0.6 ms.
  threads: z
    .int()
    .min(1)
    .max(256)
    .describe("CPU threads per evaluation; measure per model and machine (llama.cpp's own choice, every core, was far slower on small models).")
    .default(1),
  batchSize: z.int().min(1).describe("Tokens per decode batch.").default(512),
  promptFormat: promptFormatSchema
    .describe("`auto`: harmony when the vocabulary holds harmony's control tokens, else the model's chat template.")
    .default("auto"),
  defaultEffort: effortSchema.describe("Reasoning effort used when a policy names none.").default("medium"),
  analysisBudget: z
    .strictObject({ low: budget("low"), medium: budget("medium"), high: budget("high") })
    .describe("Most analysis-channel tokens per effort; a partial budget keeps the other defaults.")
    .prefault({}),
  postCharsPerToken: z
    .number()
    .min(0.5)
    .max(16)
    .describe(
      "Characters per token the context plan assumes of post text: `pipeline.maxModelChars` ÷ this is the post budget checked at start, `policy validate`/`push` and `doctor` (2.5 bounds Latin-script text under o200k; Chinese or Japanese text is denser, ~1–1.5: lower it for such forums).",
    )
    .default(2.5),
  finalMaxTokens: z.int().min(16).describe("Most final-channel tokens; a verdict not complete by then is an output error.").default(384),
  rationaleMaxChars: z.int().min(1).describe("Longest rationale the grammar allows, in characters.").default(400),
  maxRuleIds: z.int().min(0).max(64).describe("Most rule ids per verdict the grammar allows.").default(8),
  prefixReuse: z.boolean().describe("Keep each sequence's evaluated policy prefix and evaluate only the post (off only to measure its worth).").default(true),
  queueCapacity: z.int().min(1).describe("Calls waiting for a sequence before `classify` itself waits for room (backpressure).").default(64),
  timeoutMs: z.int().min(0).describe("Deadline per call, queue wait included; 0 disables it.").default(60_000),
  multiPolicyMode: z
    .enum(["separate", "combined"])
    .describe("`separate`: one model call per policy; `combined`: one call with a verdict per policy.")
    .default("separate"),
  harmonyIdentity: z.string().describe("Harmony system identity line.").default("You are ChatGPT, a large language model trained by OpenAI."),
  knowledgeCutoff: z.string().describe("Harmony knowledge-cutoff line.").default("2024-06"),
  currentDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
    .optional()
    .describe("Harmony `Current date:` line; unset by default, since a daily change would invalidate every cached prefix."),
};

type EngineOptionFields = z.output<z.ZodObject<typeof engineOptionFields>>;

function crossFieldRules(o: EngineOptionFields, ctx: z.RefinementCtx<EngineOptionFields>): void {
  const { low, medium, high } = o.analysisBudget;
  // A budget that grows with effort is the point of effort levels.
  if (!(low <= medium && medium <= high)) ctx.addIssue({ code: "custom", path: ["analysisBudget"], message: "must grow with effort (low ≤ medium ≤ high)" });
  // A sequence must hold the output budgets with room left for a prompt.
  if (o.contextSize < o.finalMaxTokens + low + 128)
    ctx.addIssue({
      code: "custom",
      path: ["contextSize"],
      message: `(${o.contextSize}) is too small for the output budgets (finalMaxTokens + analysisBudget.low + 128)`,
    });
}

function withModelId(o: EngineOptionFields): EngineOptionFields & { modelId: string } {
  const fileName = o.modelPath.split(/[\\/]/).pop() ?? o.modelPath;
  // A split GGUF (named by its first part) is identified by the model's name, without `-00001-of-0000N`.
  return { ...o, modelId: o.modelId ?? fileName.replace(/-\d{5}-of-\d{5}\.gguf$/i, "").replace(/\.gguf$/i, "") };
}

/** The engine's options: parsing fills every default and checks every field and rule. */
export const engineOptionsSchema = z.strictObject(engineOptionFields).superRefine(crossFieldRules).transform(withModelId);

/** Settings of the safeguard engine, as given (every field but `modelPath` has a default). */
export type EngineOptions = z.input<typeof engineOptionsSchema>;
/** {@link EngineOptions} with every default filled in. */
export type ResolvedEngineOptions = z.output<typeof engineOptionsSchema>;

/** Defaults a deployment puts over the engine's own (the config's `engine` and `escalationEngine`). */
export type EngineDefaults = { modelPath: string } & Partial<Omit<ResolvedEngineOptions, "modelPath" | "modelId" | "currentDate">>;

/** The same options, fields and rules, with other defaults (so `modelPath` is optional too). */
export function engineOptionsSchemaWith(defaults: EngineDefaults) {
  const { modelPath, ...others } = defaults;
  const redefaulted: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(others)) {
    const field = engineOptionFields[key as keyof typeof engineOptionFields] as z.ZodType;
    // prefault: the new default goes through the field's checks (and fills a nested object's defaults).
    redefaulted[key] = (field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? (field.unwrap() as z.ZodType) : field).prefault(value);
  }
  const fields = { ...engineOptionFields, ...(redefaulted as object), modelPath: engineOptionFields.modelPath.prefault(modelPath) };
  return z.strictObject(fields).superRefine(crossFieldRules).transform(withModelId);
}

/** Fills defaults and checks every field, throwing {@link InvalidEngineOptionsError} naming the first bad one. */
export function validateEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  const parsed = engineOptionsSchema.safeParse(options, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new InvalidEngineOptionsError(issueField(issue.path, issue.code === "unrecognized_keys" ? issue.keys[0] : undefined), issueProblem(issue));
}
