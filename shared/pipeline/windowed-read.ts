import { planWindows, type TextSpan, type WindowPlan } from "../text/model-text.js";
import type { PipelineSettings } from "./pipeline-settings.js";
import type { ModelVerdict, PipelinePolicy } from "./ports.js";
import type { VerdictOutcome } from "./verdict-outcome.js";

/** One model call on one window: an outcome for each policy asked (a model verdict or a failure). */
export type ReadWindow = (windowText: string, policies: readonly PipelinePolicy[]) => Promise<VerdictOutcome[]>;

/** What the model made of a post read in windows. */
export interface WindowedRead {
  /** One outcome per policy: its first violation or failure, else its least sure allow. */
  outcomes: VerdictOutcome[];
  /** Windows the model read (each a model call in combined mode, a call per policy still asked otherwise). */
  windowsRead: number;
  /** The model did not read all of the post: an allow of it is no allow of the post. */
  truncated: boolean;
}

/** The windows of a post for the model under the pipeline's budget, those around the prefilter's hits first. */
export function windowsFor(text: string, settings: Pick<PipelineSettings, "maxModelChars" | "maxWindows">, hits?: readonly TextSpan[]): WindowPlan {
  return planWindows(text, { maxChars: settings.maxModelChars, maxWindows: settings.maxWindows, ...(hits ? { hits } : {}) });
}

/** The costs of all of a policy's calls on the one verdict that stands for them (the audit record counts them all). */
function withCosts(verdict: ModelVerdict, others: readonly ModelVerdict[]): ModelVerdict {
  if (others.length === 0) return verdict;
  const sum = (field: "promptTokens" | "generatedTokens" | "latencyMs") => others.reduce((total, v) => total + v[field], verdict[field]);
  return { ...verdict, promptTokens: sum("promptTokens"), generatedTokens: sum("generatedTokens"), latencyMs: sum("latencyMs") };
}

/**
 * Reads a post window by window, in the plan's order. A policy's violation (or failure) in any
 * window is its outcome, and it is asked no more; a policy that allows every window read gets the
 * least sure of its allows. Reading stops when no policy is left to ask or the plan is done.
 */
export async function readInWindows(text: string, policies: readonly PipelinePolicy[], plan: WindowPlan, readWindow: ReadWindow): Promise<WindowedRead> {
  const pending = new Map(policies.map((p) => [p.id, p]));
  const allows = new Map<string, ModelVerdict[]>(policies.map((p) => [p.id, []]));
  const ended = new Map<string, VerdictOutcome>();
  let windowsRead = 0;
  for (const window of plan.windows) {
    if (pending.size === 0) break;
    const asked = [...pending.values()];
    const outcomes = await readWindow(text.slice(window.start, window.end), asked);
    windowsRead++;
    const answered = new Map(outcomes.map((o) => [o.policyId, o]));
    for (const policy of asked) {
      const outcome: VerdictOutcome = answered.get(policy.id) ?? {
        kind: "failure",
        policyId: policy.id,
        errorClass: "MissingVerdict",
        message: `no verdict for policy ${policy.id} in window ${windowsRead}`,
        attempts: 1,
      };
      const earlier = allows.get(policy.id)!;
      if (outcome.kind === "model" && outcome.verdict.decision === "allow") {
        earlier.push(outcome.verdict);
        continue;
      }
      ended.set(policy.id, outcome.kind === "model" ? { ...outcome, verdict: withCosts(outcome.verdict, earlier) } : outcome);
      pending.delete(policy.id);
    }
  }
  const outcomes = policies.map((policy): VerdictOutcome => {
    const done = ended.get(policy.id);
    if (done) return done;
    const read = allows.get(policy.id)!;
    if (read.length === 0) return { kind: "failure", policyId: policy.id, errorClass: "Unread", message: "no window of the post was read", attempts: 0 };
    const leastSure = read.reduce((a, b) => (b.confidence < a.confidence ? b : a));
    return {
      kind: "model",
      policyId: policy.id,
      verdict: withCosts(
        leastSure,
        read.filter((v) => v !== leastSure),
      ),
    };
  });
  const truncated = !plan.complete || windowsRead < plan.windows.length;
  return { outcomes, windowsRead, truncated };
}
