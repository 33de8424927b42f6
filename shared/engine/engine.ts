import { performance } from "node:perf_hooks";
import {
  getLlama,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { EFFORTS, type Effort } from "../policy/effort.js";
import type { VerdictDecision } from "../policy/verdict-decision.js";
import { EngineAbortedError } from "./errors/engine-aborted-error.js";
import { EngineError } from "./errors/engine-error.js";
import { EngineInputError } from "./errors/engine-input-error.js";
import { EngineInternalError } from "./errors/engine-internal-error.js";
import { EngineOutputError } from "./errors/engine-output-error.js";
import { EngineQueueClosedError } from "./errors/engine-queue-closed-error.js";
import { EngineTimeoutError } from "./errors/engine-timeout-error.js";
import { InvalidEngineOptionsError } from "./errors/invalid-engine-options-error.js";
import { ModelLoadError } from "./errors/model-load-error.js";
import { CONTEXT_MARGIN_TOKENS, type PromptMeasure } from "./context-plan.js";
import { assertGgufFile } from "./model-files.js";
import { labelCandidates, runInference, type HarmonyTokens } from "./inference-run.js";
import { validateEngineOptions, type EngineOptions, type ResolvedEngineOptions } from "./options.js";
import { buildPromptSegments, prefixKey, type PolicyInput, type PromptStyle } from "./prompt-builder.js";
import { segmentsToText } from "./prompt-segments.js";
import { tokenizeSegments, type TokenizedPrompt } from "./safe-tokenizer.js";
import { SequencePool, type SequencePoolStats } from "./sequence-pool.js";
import type { PriorityClass } from "./priority.js";
import { EngineBusyError } from "./errors/engine-busy-error.js";
import { parseVerdicts, VerdictGrammars } from "./verdict-grammar.js";

/** One post to classify under one or more policies. */
export interface ClassifyRequest {
  readonly postText: string;
  readonly policies: readonly PolicyInput[];
  /** Cancels the call (queue wait included); the call rejects with {@link EngineAbortedError}. */
  readonly signal?: AbortSignal;
  /** Deadline for this call. @defaultValue the engine's `timeoutMs` */
  readonly timeoutMs?: number;
  /** Overrides the engine's `multiPolicyMode` for this call. */
  readonly multiPolicyMode?: "separate" | "combined";
  /** The call's priority class in the queue ({@link PRIORITY_CLASSES}). @defaultValue "primary" */
  readonly priority?: PriorityClass;
  /** Run only if a sequence is idle and no call waits now; else reject at once with {@link EngineBusyError} (nothing is counted). */
  readonly onlyIfIdle?: boolean;
  /** With `onlyIfIdle`: sequences left free for higher classes; the call runs only if more than this many are idle. @defaultValue 0 */
  readonly idleReserve?: number;
  /** A call of a higher class that finds every sequence busy stops this one, which rejects with `EnginePreemptedError` (a busy error). @defaultValue false */
  readonly preemptible?: boolean;
}

/** The verdict for one policy. `reasoning` is for the audit topic only, never the decisions topic. */
export interface ClassifyResult {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly decision: VerdictDecision;
  readonly ruleIds: string[];
  /** At most two sentences, for moderators. */
  readonly rationale: string;
  /** Probability the model gave the emitted decision, normalised over violate/allow, 0..1. */
  readonly confidence: number;
  /** The analysis-channel text ("" for models without one). Audit only. */
  readonly reasoning: string;
  /** True when the analysis hit its budget and was cut. */
  readonly reasoningTruncated: boolean;
  readonly modelId: string;
  readonly effort: Effort;
  /** Prompt tokens of the call (in combined mode, the whole shared call). */
  readonly promptTokens: number;
  /** Prompt tokens that had to be evaluated (the rest was the sequence's cached prefix). */
  readonly evaluatedPromptTokens: number;
  /** Analysis + final tokens generated. */
  readonly generatedTokens: number;
  readonly latencyMs: number;
}

/** Load, queue and traffic figures. */
export interface EngineStats extends SequencePoolStats {
  readonly calls: number;
  readonly failures: number;
  readonly promptTokens: number;
  readonly evaluatedPromptTokens: number;
  readonly generatedTokens: number;
  /** Wall time spent evaluating prompts / generating, summed over calls (overlapping calls add up). */
  readonly promptMs: number;
  readonly generationMs: number;
}

let sharedLlama: Promise<{ llama: Llama; gpu: EngineOptions["gpu"] }> | undefined;

/**
 * The safeguard inference engine: classifies a post under policies with a loaded GGUF
 * model. gpt-oss models (harmony vocabulary) reason in the analysis channel first; any other
 * chat model answers directly through its own template. Either way the verdict is
 * grammar-bound JSON and its confidence is measured from token probabilities.
 */
export class SafeguardEngine {
  private readonly pool: SequencePool<LlamaContextSequence>;
  private readonly grammars: VerdictGrammars;
  private counters = { calls: 0, failures: 0, promptTokens: 0, evaluatedPromptTokens: 0, generatedTokens: 0, promptMs: 0, generationMs: 0 };
  private disposed = false;
  private readonly inFlight = new Set<AbortController>();

  private constructor(
    private readonly options: ResolvedEngineOptions,
    private readonly logger: Logger,
    llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    sequences: readonly LlamaContextSequence[],
    private readonly style: PromptStyle,
    private readonly harmony: HarmonyTokens | undefined,
  ) {
    this.pool = new SequencePool(sequences, options.queueCapacity);
    this.grammars = new VerdictGrammars(llama, { rationaleMaxChars: options.rationaleMaxChars, maxRuleIds: options.maxRuleIds });
  }

  /**
   * Validates the options, loads the model and creates the context with its sequences.
   * Fails at start, naming the field or the model path, rather than on the first post.
   */
  static async load(options: EngineOptions, logger: Logger = silentLogger): Promise<SafeguardEngine> {
    const resolved = validateEngineOptions(options);
    const started = performance.now();
    await assertGgufFile(resolved.modelPath);
    const llama = await loadLlama(resolved.gpu, logger);
    if (resolved.gpu === "auto" && llama.gpu === false) logger.info("gpu: auto found no usable GPU backend; running on CPU");
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: resolved.modelPath,
        gpuLayers: resolved.gpuLayers,
        defaultContextFlashAttention: resolved.flashAttention === true,
      });
    } catch (error) {
      throw new ModelLoadError(resolved.modelPath, error instanceof Error ? error.message : String(error), error);
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize: resolved.contextSize,
        sequences: resolved.sequences,
        threads: resolved.threads,
        batchSize: resolved.batchSize,
        flashAttention: resolved.flashAttention === "auto" ? "auto" : resolved.flashAttention,
        // Sliding-window models (gpt-oss) could otherwise reuse only the last window of a prefix.
        swaFullCache: true,
      });
    } catch (error) {
      await model.dispose();
      throw new InvalidEngineOptionsError(
        "contextSize",
        `could not create a context of ${resolved.contextSize} × ${resolved.sequences} sequences: ${String(error)}`,
      );
    }
    const sequences = Array.from({ length: resolved.sequences }, () => context.getSequence());
    // Spells the vocabulary once now rather than at the first post's decision.
    labelCandidates(model);
    let style: PromptStyle;
    let harmonyTokens: HarmonyTokens | undefined;
    try {
      ({ style, harmonyTokens } = resolvePromptStyle(model, resolved));
    } catch (error) {
      await context.dispose();
      await model.dispose();
      throw error;
    }
    const format = style.format;
    logger.info(
      {
        modelId: resolved.modelId,
        backend: llama.gpu === false ? "cpu" : llama.gpu,
        gpuLayers: model.gpuLayers,
        contextSize: context.contextSize,
        sequences: resolved.sequences,
        threads: resolved.threads,
        promptFormat: format,
        chatWrapper: style.format === "chat-template" ? style.chatWrapper.wrapperName : undefined,
        loadMs: Math.round(performance.now() - started),
      },
      "safeguard engine loaded",
    );
    return new SafeguardEngine(resolved, logger, llama, model, context, sequences, style, format === "harmony" ? harmonyTokens : undefined);
  }

  /** What the context plan needs of this engine: its tokenizer, its budgets and its context. */
  contextMeasure(): PromptMeasure {
    return measureOf(this.model, this.style, this.harmony !== undefined, this.options, this.context.contextSize);
  }

  /** The prompt format in use. */
  get promptFormat(): "harmony" | "chat-template" {
    return this.style.format;
  }

  /** The loaded model, for tests that inspect tokens. */
  get llamaModel(): LlamaModel {
    return this.model;
  }

  /** The prompt text a call would send (for audit and debugging; it holds policy and post text). */
  renderPrompt(policies: readonly PolicyInput[], postText: string, effort: Effort = this.options.defaultEffort): string {
    return segmentsToText(buildPromptSegments(this.style, policies, postText, effort));
  }

  /** The exact tokens a call would evaluate, with the spans that came from policy/post text. */
  tokenizePrompt(policies: readonly PolicyInput[], postText: string, effort: Effort = this.options.defaultEffort): TokenizedPrompt {
    return tokenizeSegments(this.model, buildPromptSegments(this.style, policies, postText, effort));
  }

  /**
   * Classifies a post: one verdict per policy, in the order given. Rejects with an
   * {@link EngineError} (its `retriable` flag says whether to retry) and never invents a verdict.
   */
  async classify(request: ClassifyRequest): Promise<ClassifyResult[]> {
    if (this.disposed) throw new EngineQueueClosedError();
    if (typeof request.postText !== "string") throw new EngineInputError("postText must be a string");
    if (request.policies.length === 0) throw new EngineInputError("no policy given");
    const ids = new Set(request.policies.map((policy) => policy.id));
    if (ids.size !== request.policies.length) throw new EngineInputError("policy ids repeat");
    if (request.onlyIfIdle === true && !this.pool.hasIdleSequence(request.idleReserve)) throw new EngineBusyError();
    const priority = request.priority ?? "primary";

    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
    const controller = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(new EngineTimeoutError(timeoutMs)), timeoutMs) : undefined;
    const onCallerAbort = (): void => controller.abort(new EngineAbortedError(request.signal?.reason));
    if (request.signal?.aborted === true) onCallerAbort();
    request.signal?.addEventListener("abort", onCallerAbort, { once: true });
    this.inFlight.add(controller);
    this.counters.calls += 1;
    try {
      const mode = request.multiPolicyMode ?? this.options.multiPolicyMode;
      const preemptible = request.preemptible === true;
      if (mode === "combined" && request.policies.length > 1)
        return await this.runCall(request.policies, request.postText, controller.signal, priority, preemptible);
      const perPolicy = await Promise.all(request.policies.map((policy) => this.runCall([policy], request.postText, controller.signal, priority, preemptible)));
      return perPolicy.flat();
    } catch (error) {
      this.counters.failures += 1;
      const failure =
        controller.signal.aborted && controller.signal.reason instanceof EngineError
          ? controller.signal.reason
          : error instanceof EngineError
            ? error
            : new EngineInternalError(error);
      // One policy's failure fails the post (no partial verdicts): stop its sibling calls too.
      if (!controller.signal.aborted) controller.abort(failure);
      throw failure;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      request.signal?.removeEventListener("abort", onCallerAbort);
      this.inFlight.delete(controller);
    }
  }

  /** More than `reserve` sequences are free and no call waits: a call now would run at once and delay no one. */
  hasIdleSequence(reserve = 0): boolean {
    return !this.disposed && this.pool.hasIdleSequence(reserve);
  }

  /** Queue and traffic figures (queue depth drives the consumer's pause/resume). */
  stats(): EngineStats {
    return { ...this.pool.stats(), ...this.counters };
  }

  /** Stops accepting calls, aborts queued and running ones, and frees the context and model. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const controller of this.inFlight) controller.abort(new EngineQueueClosedError());
    await this.pool.close();
    await this.context.dispose();
    await this.model.dispose();
    this.logger.info({ modelId: this.options.modelId }, "safeguard engine disposed");
  }

  private async runCall(
    policies: readonly PolicyInput[],
    postText: string,
    signal: AbortSignal,
    priority: PriorityClass,
    preemptible: boolean,
  ): Promise<ClassifyResult[]> {
    const effort = maxEffort(policies.map((policy) => policy.effort ?? this.options.defaultEffort));
    const key = prefixKey(policies, effort);
    const { plan, grammars } = this.grammars.forPolicies(policies);
    return this.pool.run(
      key,
      signal,
      // `callSignal`: `signal`, and for a preemptible call also aborted when a call of a higher class needs its sequence.
      async (sequence, _held, callSignal) => {
        const started = performance.now();
        const { tokens } = this.tokenizePrompt(policies, postText, effort);
        const analysisBudget = this.harmony === undefined ? 0 : this.options.analysisBudget[effort];
        // The margin: room for the channel header and the verdict's fixed JSON text.
        if (tokens.length + analysisBudget + this.options.finalMaxTokens + CONTEXT_MARGIN_TOKENS > sequence.contextSize)
          throw new EngineInputError(`prompt of ${tokens.length} tokens plus output budgets exceeds the sequence's ${sequence.contextSize} tokens`);
        const output = await runInference(this.model, sequence, {
          prompt: tokens,
          plan,
          grammars,
          expectedDecisions: policies.length,
          ...(this.harmony === undefined ? {} : { harmony: this.harmony }),
          analysisBudget,
          finalMaxTokens: this.options.finalMaxTokens,
          reusePrefix: this.options.prefixReuse,
          signal: callSignal,
        });
        this.counters.promptTokens += output.promptTokens;
        this.counters.evaluatedPromptTokens += output.evaluatedPromptTokens;
        this.counters.generatedTokens += output.analysisTokens + output.finalTokens;
        this.counters.promptMs += output.timings.promptMs;
        this.counters.generationMs += output.timings.generationMs;
        if (!output.finalComplete) throw new EngineOutputError(`final channel not complete within ${this.options.finalMaxTokens} tokens`, output.finalText);
        let verdicts;
        try {
          verdicts = parseVerdicts(output.finalText, policies);
        } catch (error) {
          throw new EngineOutputError(error instanceof Error ? error.message : String(error), output.finalText, error);
        }
        const latencyMs = performance.now() - started;
        return verdicts.map((verdict, index) => {
          const measured = output.decisions[index];
          // The measured decision and the parsed one come from the same tokens; a mismatch means
          // the output cannot be trusted, and a verdict is never guessed.
          if (measured === undefined || measured.decision !== verdict.decision)
            throw new EngineOutputError("decision probabilities could not be read at the decision token", output.finalText);
          const policy = policies[index] as PolicyInput;
          return {
            policyId: policy.id,
            policyVersion: policy.version,
            decision: verdict.decision,
            ruleIds: verdict.ruleIds,
            rationale: verdict.rationale,
            confidence: measured.confidence,
            reasoning: output.reasoning,
            reasoningTruncated: output.analysisTruncated,
            modelId: this.options.modelId,
            effort,
            promptTokens: output.promptTokens,
            evaluatedPromptTokens: output.evaluatedPromptTokens,
            generatedTokens: output.analysisTokens + output.finalTokens,
            latencyMs,
          };
        });
      },
      { priority, preemptible },
    );
  }
}

/** How prompts are written for a model, as the options say: harmony when asked or (auto) when its vocabulary has the control tokens. */
export function resolvePromptStyle(model: LlamaModel, resolved: ResolvedEngineOptions): { style: PromptStyle; harmonyTokens: HarmonyTokens | undefined } {
  const harmonyTokens = resolveHarmonyTokens(model);
  const format = resolved.promptFormat === "auto" ? (harmonyTokens !== undefined ? "harmony" : "chat-template") : resolved.promptFormat;
  if (format === "harmony" && harmonyTokens === undefined)
    throw new InvalidEngineOptionsError("promptFormat", `is "harmony" but ${resolved.modelPath} has no harmony control tokens`);
  const style: PromptStyle =
    format === "harmony"
      ? {
          format,
          identity: resolved.harmonyIdentity,
          knowledgeCutoff: resolved.knowledgeCutoff,
          ...(resolved.currentDate === undefined ? {} : { currentDate: resolved.currentDate }),
        }
      : { format, model, chatWrapper: resolveChatWrapper(model) as ChatWrapper };
  return { style, harmonyTokens: format === "harmony" ? harmonyTokens : undefined };
}

/** The context plan's view of a model: prompts counted by its own tokenizer, budgets as the engine spends them. */
export function measureOf(model: LlamaModel, style: PromptStyle, harmony: boolean, options: ResolvedEngineOptions, contextSize: number): PromptMeasure {
  return {
    promptTokens: (policies, effort) => tokenizeSegments(model, buildPromptSegments(style, policies, "", effort)).tokens.length,
    // Only harmony has an analysis channel (the engine gives a chat-template model no reasoning budget).
    reasoningTokens: (effort) => (harmony ? options.analysisBudget[effort] : 0),
    verdictTokens: options.finalMaxTokens,
    contextSize,
  };
}

function maxEffort(efforts: readonly Effort[]): Effort {
  return efforts.reduce((a, b) => (EFFORTS.indexOf(b) > EFFORTS.indexOf(a) ? b : a), "low");
}

async function loadLlama(gpu: ResolvedEngineOptions["gpu"], logger: Logger): Promise<Llama> {
  // One Llama per process (each getLlama() loads and initialises llama.cpp's backend anew); a second engine with another backend setting is a configuration error.
  if (sharedLlama === undefined) {
    sharedLlama = getLlama({
      gpu,
      build: "never",
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (text.length === 0) return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) logger.error({ llama: text }, "llama.cpp");
        else logger.debug({ llama: text }, "llama.cpp");
      },
    }).then((llama) => ({ llama, gpu }));
    sharedLlama.catch(() => (sharedLlama = undefined));
  }
  try {
    const loaded = await sharedLlama;
    if (loaded.gpu !== gpu)
      throw new InvalidEngineOptionsError("gpu", `is ${JSON.stringify(gpu)} but this process already runs llama.cpp with ${JSON.stringify(loaded.gpu)}`);
    return loaded.llama;
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new InvalidEngineOptionsError("gpu", `${JSON.stringify(gpu)} is not usable here: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The harmony tokens the loop injects, if the vocabulary has them as single tokens. */
function resolveHarmonyTokens(model: LlamaModel): HarmonyTokens | undefined {
  const single = (text: string): Token | undefined => {
    const tokens = model.tokenize(text, true);
    return tokens.length === 1 ? tokens[0] : undefined;
  };
  const needed = ["<|start|>", "<|end|>", "<|message|>", "<|channel|>"].map(single);
  if (needed.some((token) => token === undefined)) return undefined;
  const end = needed[1] as Token;
  return { end, finalHeader: model.tokenize("<|start|>assistant<|channel|>final<|message|>", true) };
}
