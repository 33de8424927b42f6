import type { PromptMeasure } from "../engine/context-plan.js";
import { SafeguardEngine } from "../engine/engine.js";
import { modelFileIdentity } from "../engine/model-identity.js";
import { validateEngineOptions, type EngineOptions } from "../engine/options.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import type { Logger } from "../observability/logger.js";
import type { ClassifyRequest, EnginePort, EngineQueue, ModelVerdict } from "./ports.js";

/** The safeguard engine behind the pipeline's narrow port. */
export class SafeguardEnginePort implements EnginePort {
  constructor(
    private readonly engine: SafeguardEngine,
    readonly modelId: string,
    private readonly capacity: number,
    /** The model file's identity, for the verdict cache. */
    readonly modelIdentity: string,
  ) {}

  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    const results = await this.engine.classify({
      postText: request.postText,
      policies: request.policies,
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      multiPolicyMode: request.combined ? "combined" : "separate",
      priority: request.priority ?? "primary",
      onlyIfIdle: request.onlyIfIdle ?? false,
      idleReserve: request.idleReserve ?? 0,
      preemptible: request.preemptible ?? false,
    });
    return results.map((r) => ({
      policyId: r.policyId,
      policyVersion: r.policyVersion,
      decision: r.decision,
      ruleIds: [...r.ruleIds],
      rationale: r.rationale,
      confidence: r.confidence,
      reasoning: r.reasoning,
      promptTokens: r.promptTokens,
      generatedTokens: r.generatedTokens,
      latencyMs: r.latencyMs,
    }));
  }

  queue(): EngineQueue {
    const s = this.engine.stats();
    return {
      depth: s.queueDepth + s.waitingForRoom,
      capacity: this.capacity,
      inFlight: s.busy,
      sequences: s.busy + s.idle,
      queuedByClass: s.queuedByClass,
    };
  }

  /** The context plan's view of the loaded model (shared/engine/context-plan.ts). */
  contextMeasure(): PromptMeasure {
    return this.engine.contextMeasure();
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/** Loads the engine named by a config section (`engine` or `escalationEngine`). */
export async function loadEnginePort(settings: EngineOptions, logger: Logger): Promise<SafeguardEnginePort> {
  const options = validateEngineOptions({ ...settings, modelPath: resolveFromRoot(settings.modelPath) });
  const engine = await SafeguardEngine.load(options, logger.child({ component: "engine" }));
  const identity = await modelFileIdentity(options.modelPath);
  logger.info({ modelId: options.modelId, modelIdentity: identity }, "model identity (the verdict cache keys on it)");
  return new SafeguardEnginePort(engine, options.modelId, options.queueCapacity, identity);
}
