import type { Decision, Ticket } from "../codec/records.js";
import type { HttpExchange } from "../codec/records.js";
import type { Logger } from "../observability/logger.js";
import { RetryPolicy, type RetryPolicySettings } from "../retry/retry-policy.js";
import type { Secret } from "../settings/fields.js";
import { HttpEndpoint } from "../sinks/http-endpoint.js";
import { HttpCallError } from "../sinks/errors/http-call-error.js";
import type { DecisionRecords } from "./decision-source.js";
import { statementFor, type NoStatement, type StatementOfReasons, type StatementPolicy } from "./statement.js";

/** The API's batch endpoint takes 1 to 100 statements a call (StatementMultipleAPIController: `'statements' => 'required|array|between:1,100'`). */
export const BATCH_SIZE = 100;

export interface StatementExport {
  statements: StatementOfReasons[];
  /** Decision ids of the statements, in the same order (for logs; never sent). */
  decisionIds: string[];
  /** Decisions read, and why those without a statement have none. */
  counts: { decisions: number; statements: number; skipped: Record<NoStatement["reason"], number> };
  /** Policies whose restrictions have no `dsa` mapping: each is a restriction without its statement. */
  unmapped: Record<string, number>;
}

/**
 * A statement for every restriction among `records.decisions` (one per decision id: a
 * redelivered decision is one statement), in decision time order. Replay and shadow decisions
 * are never exported ({@link statementFor}).
 */
export function exportStatements(
  records: DecisionRecords,
  policies: ReadonlyMap<string, StatementPolicy>,
  territorialScope: readonly string[],
): StatementExport {
  const tickets = new Map<string, Ticket>(records.tickets.map((t) => [t.ticketId, t]));
  const seen = new Set<string>();
  const decisions: Decision[] = [];
  for (const d of records.decisions) {
    if (seen.has(d.decisionId)) continue;
    seen.add(d.decisionId);
    decisions.push(d);
  }
  decisions.sort((a, b) => a.decidedAt - b.decidedAt || (a.decisionId < b.decisionId ? -1 : 1));
  const out: StatementExport = {
    statements: [],
    decisionIds: [],
    counts: { decisions: decisions.length, statements: 0, skipped: { "not-a-restriction": 0, replay: 0, "no-violation": 0, unmapped: 0 } },
    unmapped: {},
  };
  for (const decision of decisions) {
    const ticket = decision.ticketId === null ? null : (tickets.get(decision.ticketId) ?? null);
    const result = statementFor(decision, { policies, ticket, territorialScope });
    if ("skipped" in result) {
      out.counts.skipped[result.skipped.reason]++;
      if (result.skipped.reason === "unmapped") out.unmapped[result.skipped.policyId] = (out.unmapped[result.skipped.policyId] ?? 0) + 1;
      continue;
    }
    out.statements.push(result.statement);
    out.decisionIds.push(decision.decisionId);
  }
  out.counts.statements = out.statements.length;
  return out;
}

/** The batches the API's batch endpoint takes: `{statements: [...]}` of at most {@link BATCH_SIZE}. */
export function batches(statements: readonly StatementOfReasons[], size = BATCH_SIZE): { statements: StatementOfReasons[] }[] {
  const out: { statements: StatementOfReasons[] }[] = [];
  for (let i = 0; i < statements.length; i += size) out.push({ statements: statements.slice(i, i + size) });
  return out;
}

export interface SubmitResult {
  batches: number;
  created: number;
  /** Batches the API refused for good (a 4xx other than 408/429): their first statement's puid, status and body. */
  refused: { firstPuid: string; status: number; body: string }[];
}

/**
 * Posts each batch to the API's batch endpoint with a bearer token, retrying no answer, 408, 429
 * and 5xx with backoff (a Retry-After is honoured); a refusal (422: a statement the API does not
 * accept, or a puid it already holds) is recorded and the next batch goes on.
 */
export async function submitBatches(
  url: string,
  token: Secret,
  tokenSetting: string,
  all: readonly { statements: StatementOfReasons[] }[],
  options: { retry: RetryPolicySettings; timeoutMs: number; logger: Logger; signal?: AbortSignal; onBatch?: (done: number) => void },
): Promise<SubmitResult> {
  const endpoint = new HttpEndpoint({ headers: {}, token, timeoutMs: options.timeoutMs }, tokenSetting);
  const retry = new RetryPolicy(options.retry);
  const signal = options.signal ?? new AbortController().signal;
  const result: SubmitResult = { batches: 0, created: 0, refused: [] };
  for (const batch of all) {
    try {
      await retry.run(() => endpoint.call({ method: "POST", url, body: batch }, signal), signal, {
        onRetry: (attempt, error, delayMs) => options.logger.warn({ attempt, delayMs, err: error.message }, "statement batch not taken; retrying"),
      });
      result.created += batch.statements.length;
    } catch (error) {
      const exchange: HttpExchange | null = HttpCallError.exchangeOf(error);
      if (exchange === null || exchange.status === 0 || exchange.status >= 500) throw error;
      result.refused.push({ firstPuid: batch.statements[0]?.puid ?? "", status: exchange.status, body: exchange.body });
      options.logger.error({ status: exchange.status, firstPuid: batch.statements[0]?.puid }, "statement batch refused");
    }
    result.batches++;
    options.onBatch?.(result.batches);
  }
  return result;
}
