import { createHash } from "node:crypto";
import type { Decision, PolicyVerdict, Post, Ticket } from "../codec/records.js";
import { PolicyPrefilter, type EnginePort, type PipelinePolicy } from "../pipeline/index.js";
import type { PolicySet } from "../policy/policy-set.js";
import { formatProportion, proportion, type Proportion } from "../stats/proportion.js";

/**
 * The nightly sweep: the day's model-decided posts decided again by the escalation engine at
 * high effort, a ticket tagged `sweep` where it disagrees with the decision in force, and the
 * agreement rate per policy. A decision in force of a moderator is never swept (a human is never
 * overridden). What is done is kept in a {@link SweepCheckpoint}, so a killed sweep run again
 * under the same run id goes on where it stopped and raises no ticket twice.
 */

/** What one swept decision came to: each policy's agreement, and whether a ticket was raised. */
export interface SweepOutcome {
  /** policyId → the sweep read it as the decision in force did. */
  agreed: Record<string, boolean>;
  ticket: boolean;
}

/** Where a sweep keeps what it has done (Redis: a hash per run). */
export interface SweepCheckpoint {
  /** Every decision id swept so far in this run, with its outcome. */
  load(): Promise<Map<string, SweepOutcome>>;
  record(decisionId: string, outcome: SweepOutcome): Promise<void>;
}

export interface SweepInput {
  decisions: readonly Decision[];
  /** The posts of the window, by id (the decisions carry no text). */
  posts: ReadonlyMap<string, Post>;
}

export interface SweepReport {
  runId: string;
  /** Decisions in force that a model made, in the window. */
  candidates: number;
  /** Of those, the ones this run was to sweep (all, or the sample). */
  selected: number;
  /** Swept in this run, over every start of it (the checkpoint's count). */
  swept: number;
  tickets: number;
  skipped: { human: number; noPost: number; failed: number };
  policies: { policyId: string; agreement: Proportion }[];
}

/** A decision the model made (a verdict of the model or the verdict cache), not replay, not a human's. */
const modelDecided = (d: Decision) =>
  d.stage !== "human" && d.stage !== "replay" && d.replayId === null && d.verdicts.some((v) => v.source === "model" || v.source === "cache");

/** The decision in force of each post: its latest, replays left out. */
export function decisionsInForce(decisions: readonly Decision[]): Decision[] {
  const latest = new Map<string, Decision>();
  for (const d of decisions) {
    if (d.stage === "replay" || d.replayId !== null) continue;
    const prior = latest.get(d.postId);
    if (!prior || d.decidedAt > prior.decidedAt || (d.decidedAt === prior.decidedAt && d.stage === "human")) latest.set(d.postId, d);
  }
  return [...latest.values()].sort((a, b) => a.decidedAt - b.decidedAt || (a.decisionId < b.decisionId ? -1 : 1));
}

/** `n` of the decisions, the same `n` for the same run id on every start (a hash of run id and decision id orders them). */
export function sampleOf(decisions: readonly Decision[], n: number | null, runId: string): Decision[] {
  if (n === null || n >= decisions.length) return [...decisions];
  const key = (d: Decision) => createHash("sha256").update(`${runId}\u0000${d.decisionId}`).digest("hex");
  const chosen = new Set([...decisions].sort((a, b) => (key(a) < key(b) ? -1 : 1)).slice(0, n));
  return decisions.filter((d) => chosen.has(d));
}

/** The ticket of a disagreement: tagged `sweep` in its reason and id, with the sweep's verdicts and reasoning for the moderator. */
export function sweepTicket(decision: Decision, post: Post, verdicts: PolicyVerdict[], reasoning: Ticket["reasoning"], now: number): Ticket {
  const disagreements = verdicts
    .filter((v) => decision.verdicts.find((d) => d.policyId === v.policyId)?.decision !== v.decision)
    .map((v) => `${v.policyId}: in force ${decision.verdicts.find((d) => d.policyId === v.policyId)?.decision ?? "none"}, sweep ${v.decision}`);
  return {
    ticketId: `sweep:${decision.decisionId}`,
    decisionId: decision.decisionId,
    post,
    verdicts,
    reason: `sweep: ${disagreements.join("; ")}`,
    stage: "escalation",
    policySetVersion: decision.policySetVersion,
    reasoning,
    appealId: null,
    createdAt: now,
  };
}

export interface SweepOptions {
  runId: string;
  set: PolicySet;
  engine: EnginePort;
  checkpoint: SweepCheckpoint;
  publishTicket(ticket: Ticket): Promise<void>;
  /** null: every model-decided post. */
  sample: number | null;
  maxModelChars: number;
  signal: AbortSignal;
  now?: () => number;
  onProgress?: (done: number, total: number) => void;
  onError?: (decisionId: string, error: Error) => void;
}

/** Sweeps the window's model-decided posts not yet swept in this run; stops between posts when `signal` aborts. */
export async function runSweep(input: SweepInput, options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now;
  const prefilter = new PolicyPrefilter(options.set, { maxModelChars: options.maxModelChars, defaultEffort: "high" });
  const inForce = decisionsInForce(input.decisions);
  const human = inForce.filter((d) => d.stage === "human").length;
  const candidates = inForce.filter(modelDecided);
  const selected = sampleOf(candidates, options.sample, options.runId);
  const done = await options.checkpoint.load();
  const skipped = { human, noPost: 0, failed: 0 };
  let progress = selected.filter((d) => done.has(d.decisionId)).length;
  options.onProgress?.(progress, selected.length);
  for (const decision of selected) {
    if (options.signal.aborted) break;
    if (done.has(decision.decisionId)) continue;
    const post = input.posts.get(decision.postId);
    if (!post) {
      skipped.noPost++;
      continue;
    }
    const current = new Map(prefilter.policiesFor(post.forumId).map((p) => [p.id, p]));
    const policies: PipelinePolicy[] = decision.verdicts.flatMap((v) => current.get(v.policyId) ?? []);
    if (policies.length === 0) {
      skipped.noPost++;
      continue;
    }
    let verdicts;
    try {
      verdicts = await options.engine.classify({
        postText: [...post.text].slice(0, options.maxModelChars).join(""),
        policies: policies.map((p) => ({ id: p.id, version: p.version, text: p.body, effort: "high", ruleIds: p.ruleIds })),
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal.aborted) break;
      skipped.failed++;
      options.onError?.(decision.decisionId, error as Error);
      continue;
    }
    const agreed: Record<string, boolean> = {};
    const swept: PolicyVerdict[] = verdicts.map((v) => {
      const policy = current.get(v.policyId);
      agreed[v.policyId] = decision.verdicts.find((d) => d.policyId === v.policyId)?.decision === v.decision;
      return {
        policyId: v.policyId,
        policyVersion: v.policyVersion,
        decision: v.decision,
        ruleIds: v.ruleIds,
        confidence: v.confidence,
        rationale: v.rationale,
        source: "model",
        escalate: true,
        onViolate: policy?.onViolate ?? "hide",
        page: false,
      };
    });
    const ticket = Object.values(agreed).some((a) => !a);
    if (ticket) {
      const reasoning = verdicts
        .filter((v) => v.reasoning !== "")
        .map((v) => ({ policyId: v.policyId, policyVersion: v.policyVersion, reasoning: v.reasoning }));
      // Published before the checkpoint: a kill between the two publishes the same ticket id again, which the ticket sink takes once.
      await options.publishTicket(sweepTicket(decision, post, swept, reasoning, now()));
    }
    const outcome = { agreed, ticket };
    await options.checkpoint.record(decision.decisionId, outcome);
    done.set(decision.decisionId, outcome);
    options.onProgress?.(++progress, selected.length);
  }
  // The figures are the run's, over every start of it: what the checkpoint holds for the selected decisions.
  const byPolicy = new Map<string, { k: number; n: number }>();
  let tickets = 0;
  let sweptCount = 0;
  for (const d of selected) {
    const outcome = done.get(d.decisionId);
    if (!outcome) continue;
    sweptCount++;
    if (outcome.ticket) tickets++;
    for (const [policyId, agreed] of Object.entries(outcome.agreed)) {
      const row = byPolicy.get(policyId) ?? { k: 0, n: 0 };
      row.n++;
      if (agreed) row.k++;
      byPolicy.set(policyId, row);
    }
  }
  return {
    runId: options.runId,
    candidates: candidates.length,
    selected: selected.length,
    swept: sweptCount,
    tickets,
    skipped,
    policies: [...byPolicy.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([policyId, { k, n }]) => ({ policyId, agreement: proportion(k, n) })),
  };
}

/** The report for the terminal. */
export function renderSweepText(report: SweepReport): string {
  const lines = [
    `Sweep ${report.runId}: ${report.swept} of ${report.selected} selected swept (${report.candidates} model-decided in force); ${report.tickets} tickets raised`,
    `Skipped: ${report.skipped.human} decided by a moderator (never swept), ${report.skipped.noPost} without their post, ${report.skipped.failed} engine failures (a rerun tries them again)`,
    "",
    ...report.policies.map((p) => `  ${p.policyId.padEnd(28)} agreement ${formatProportion(p.agreement)}  (${p.agreement.k} of ${p.agreement.n})`),
  ];
  return `${lines.join("\n")}\n`;
}

/** The agreement rates as Prometheus text (a textfile collector's file, or a Pushgateway's body). */
export function sweepMetrics(report: SweepReport): string {
  const lines = [
    "# HELP arbiter_sweep_agreement_rate Share of swept decisions in force the escalation engine at high effort agrees with, per policy.",
    "# TYPE arbiter_sweep_agreement_rate gauge",
    ...report.policies.map((p) => `arbiter_sweep_agreement_rate{policy="${p.policyId.replace(/["\\\n]/g, "_")}"} ${p.agreement.rate}`),
    "# HELP arbiter_sweep_tickets Tickets the last sweep raised.",
    "# TYPE arbiter_sweep_tickets gauge",
    `arbiter_sweep_tickets ${report.tickets}`,
  ];
  return `${lines.join("\n")}\n`;
}
