import type { Action, Decision, Ticket } from "../codec/records.js";
import { assertNever } from "../errors/assert-never.js";
import { html, type SafeHtml } from "../html/safe-html.js";
import { formatProportion, proportion, type Proportion } from "../stats/proportion.js";
import type { DecisionRecords } from "./decision-source.js";
import { automationOf, humanConfirmed, type AutomatedDecision } from "./statement.js";

/** A reporting period: a year (`2026`), a half (`2026-H2`) or a quarter (`2026-Q3`), in UTC. */
export interface Period {
  label: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

/** Parses `2026`, `2026-H1`/`H2` or `2026-Q1`..`Q4`; throws an Error naming the accepted forms. */
export function parsePeriod(text: string): Period {
  const m = /^(\d{4})(?:-(H[12]|Q[1-4]))?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a period: a year (2026), a half (2026-H1, 2026-H2) or a quarter (2026-Q1 .. 2026-Q4)`);
  const year = Number(m[1]);
  const part = m[2];
  const [startMonth, months] = part === undefined ? [0, 12] : part.startsWith("H") ? [(Number(part[1]) - 1) * 6, 6] : [(Number(part[1]) - 1) * 3, 3];
  return { label: text.trim(), from: Date.UTC(year, startMonth, 1), to: Date.UTC(year, startMonth + months, 1) };
}

export interface CountRow {
  /** The policy the decision named a violation of (or escalated on); "(none)" for a decision that names none. */
  policyId: string;
  action: Action;
  automation: AutomatedDecision;
  decisions: number;
}

export type AppealOutcome = "upheld" | "reversed" | "pending";

export interface TransparencyReport {
  period: Period;
  /** The product's decisions decided in the period (replay and shadow decisions never count). */
  decisions: number;
  /** By policy, action and automation level; a decision naming two policies counts under each. */
  counts: CountRow[];
  appeals: {
    received: number;
    /** upheld: the restriction stands; reversed: the post is allowed; pending: no final answer yet (or still with a moderator). */
    outcomes: Record<AppealOutcome, number>;
  };
  /**
   * Article 15's accuracy indicator: of the automated findings a moderator reviewed (decisions of
   * stage human whose ticket is known), the share the moderator overturned, with its 95 % Wilson
   * interval. The denominator is `n`.
   */
  humanOverturnRate: Proportion;
  /** Moderator decisions left out of the rate: their ticket is no longer on the topic. */
  humanWithoutTicket: number;
}

const policiesOf = (d: Decision): string[] => {
  const named = d.verdicts.filter((v) => v.decision === "violate" || v.escalate).map((v) => v.policyId);
  return named.length > 0 ? [...new Set(named)] : ["(none)"];
};

/** What an appeal's final answer did: a moderator's decision on its ticket, else the appeal tier's decision. */
function outcomeOf(action: Action | undefined): AppealOutcome {
  switch (action) {
    case undefined:
    case "REVIEW":
      return "pending";
    case "ALLOW":
      return "reversed";
    case "HIDE":
    case "BANNER":
      return "upheld";
    default:
      return assertNever(action);
  }
}

/** The figures for `period` from the records read for it (records outside it are left out). */
export function transparencyReport(records: DecisionRecords, period: Period): TransparencyReport {
  const inPeriod = (ms: number) => ms >= period.from && ms < period.to;
  const tickets = new Map<string, Ticket>(records.tickets.map((t) => [t.ticketId, t]));
  const seen = new Set<string>();
  const decisions = records.decisions.filter((d) => {
    if (d.stage === "replay" || d.replayId !== null || !inPeriod(d.decidedAt) || seen.has(d.decisionId)) return false;
    seen.add(d.decisionId);
    return true;
  });
  const rows = new Map<string, CountRow>();
  let reviewed = 0;
  let overturned = 0;
  let withoutTicket = 0;
  for (const d of decisions) {
    const ticket = d.ticketId === null ? null : (tickets.get(d.ticketId) ?? null);
    const automation = automationOf(d, ticket);
    for (const policyId of policiesOf(d)) {
      const key = `${policyId}\u0000${d.action}\u0000${automation}`;
      const row = rows.get(key) ?? { policyId, action: d.action, automation, decisions: 0 };
      row.decisions++;
      rows.set(key, row);
    }
    if (d.stage === "human") {
      if (ticket === null) withoutTicket++;
      else {
        reviewed++;
        if (!humanConfirmed(d, ticket)) overturned++;
      }
    }
  }
  // Each appeal's latest answer: a moderator's decision on the appeal's ticket outranks the appeal tier's.
  const answers = new Map<string, { rank: number; at: number; action: Action }>();
  const answer = (appealId: string, rank: number, at: number, action: Action) => {
    const prior = answers.get(appealId);
    if (!prior || rank > prior.rank || (rank === prior.rank && at > prior.at)) answers.set(appealId, { rank, at, action });
  };
  for (const d of records.decisions) {
    if (d.stage === "replay" || d.replayId !== null) continue;
    if (d.stage === "appeal" && d.appealId !== null) answer(d.appealId, 1, d.decidedAt, d.action);
    const appealId = d.stage === "human" && d.ticketId !== null ? tickets.get(d.ticketId)?.appealId : null;
    if (appealId) answer(appealId, 2, d.decidedAt, d.action);
  }
  const appealIds = new Set(records.appeals.filter((a) => inPeriod(a.requestedAt)).map((a) => a.appealId));
  const outcomes: Record<AppealOutcome, number> = { upheld: 0, reversed: 0, pending: 0 };
  for (const id of appealIds) outcomes[outcomeOf(answers.get(id)?.action)]++;
  return {
    period,
    decisions: decisions.length,
    counts: [...rows.values()].sort(
      (a, b) => a.policyId.localeCompare(b.policyId) || a.action.localeCompare(b.action) || a.automation.localeCompare(b.automation),
    ),
    appeals: { received: appealIds.size, outcomes },
    humanOverturnRate: proportion(overturned, reviewed),
    humanWithoutTicket: withoutTicket,
  };
}

const AUTOMATION_WORDS: Record<AutomatedDecision, string> = {
  AUTOMATED_DECISION_FULLY: "fully automated",
  AUTOMATED_DECISION_PARTIALLY: "partially automated (a moderator confirmed)",
  AUTOMATED_DECISION_NOT_AUTOMATED: "not automated (a moderator decided)",
};

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The report as a standalone HTML page; every value goes through the escaping template. */
export function renderTransparencyHtml(report: TransparencyReport): SafeHtml {
  const p = report.period;
  const rate = report.humanOverturnRate;
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Transparency report ${p.label}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td.n{text-align:right}</style>
</head>
<body>
<h1>Content moderation: transparency report ${p.label}</h1>
<p>Decisions made from ${ymd(p.from)} up to (not including) ${ymd(p.to)}, UTC: ${report.decisions}.</p>
<h2>Decisions by policy, action and automation</h2>
<table><thead><tr><th>policy</th><th>action</th><th>automation</th><th>decisions</th></tr></thead><tbody>
${report.counts.map((r) => html`<tr><td>${r.policyId}</td><td>${r.action}</td><td>${AUTOMATION_WORDS[r.automation]}</td><td class="n">${r.decisions}</td></tr>`)}
</tbody></table>
<p>A decision that names two policies counts under each.</p>
<h2>Appeals</h2>
<table><tbody>
<tr><th>received</th><td class="n">${report.appeals.received}</td></tr>
<tr><th>restriction upheld</th><td class="n">${report.appeals.outcomes.upheld}</td></tr>
<tr><th>restriction reversed</th><td class="n">${report.appeals.outcomes.reversed}</td></tr>
<tr><th>pending</th><td class="n">${report.appeals.outcomes.pending}</td></tr>
</tbody></table>
<h2>Accuracy of automated decisions (DSA Article 15)</h2>
<p>Moderators overturned ${rate.k} of the ${rate.n} automated findings they reviewed: ${formatProportion(rate)} (95 % Wilson interval).
The denominator is every moderator decision on a ticket the automated pipeline raised${report.humanWithoutTicket > 0 ? html`; ${report.humanWithoutTicket} moderator decisions whose ticket is no longer kept are left out` : ""}.</p>
</body>
</html>
`;
}

/** The report as plain text, for the terminal. */
export function renderTransparencyText(report: TransparencyReport): string {
  const rate = report.humanOverturnRate;
  const lines = [
    `Transparency report ${report.period.label} (${ymd(report.period.from)} .. ${ymd(report.period.to)}): ${report.decisions} decisions`,
    "",
    ...report.counts.map((r) => `  ${r.policyId.padEnd(28)} ${r.action.padEnd(7)} ${AUTOMATION_WORDS[r.automation].padEnd(44)} ${r.decisions}`),
    "",
    `Appeals: ${report.appeals.received} received; upheld ${report.appeals.outcomes.upheld}, reversed ${report.appeals.outcomes.reversed}, pending ${report.appeals.outcomes.pending}`,
    `Human overturn rate (Article 15): ${rate.k} of ${rate.n} = ${formatProportion(rate)}${report.humanWithoutTicket > 0 ? ` (${report.humanWithoutTicket} without their ticket left out)` : ""}`,
  ];
  return `${lines.join("\n")}\n`;
}
