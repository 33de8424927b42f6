import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";

/** A simulated escalation engine whose answer is known: a post that names an aimbot violates every policy asked, any other is allowed. */
export class AimbotEngine implements EnginePort {
  readonly modelId = "simulated-escalation";
  calls = 0;

  constructor(private readonly delayMs = 0) {}

  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.calls++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const violate = request.postText.includes("aimbot");
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: violate ? "violate" : "allow",
      ruleIds: violate ? [p.ruleIds[0]!] : [],
      rationale: "simulated",
      confidence: 0.9,
      reasoning: `simulated reasoning (${p.effort})`,
      promptTokens: 1,
      generatedTokens: 1,
      latencyMs: this.delayMs,
    }));
  }

  queue() {
    return { depth: 0, capacity: 64, inFlight: 0, sequences: 1 };
  }
}
