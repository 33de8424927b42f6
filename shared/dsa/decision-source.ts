import type { Kafka } from "kafkajs";
import type { Appeal, Decision, Ticket } from "../codec/records.js";
import { ShippedSchemas } from "../codec/shipped-schemas.js";
import { decodeRecord } from "../codec/topic-record.js";
import { rangesFor, readRanges } from "../replay/topic-range-reader.js";

/** A window of time: `from`/`to` as the range reader takes them (ISO-8601, `…ms`, or a duration ago; `to` null: now). */
export interface Window {
  from: string;
  to: string | null;
}

/** What the exports and reports read: the product's decisions, the tickets raised and the appeals, over a window. */
export interface DecisionRecords {
  decisions: Decision[];
  tickets: Ticket[];
  appeals: Appeal[];
}

/**
 * Where decisions are read from. The Kafka topics now; the store of record later (a query by
 * time) can stand in, as nothing here depends on how the records are kept.
 */
export interface DecisionSource {
  read(window: Window): Promise<DecisionRecords>;
}

/**
 * The decisions, tickets and appeals topics over a window, by time (offsets by timestamp, as
 * `arbiter replay` reads them). Never the shadow topic: replay and shadow runs write there, and
 * their decisions are never the product's. Records of another kind, or unreadable, are left out.
 * Tickets are read from `ticketsFrom` (default: the window's start) so a human decision of the
 * window finds the ticket raised before it.
 */
export class KafkaDecisionSource implements DecisionSource {
  private readonly schemas = ShippedSchemas.load();

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: { decisions: string; tickets: string; appeals: string },
    private readonly now: () => number = Date.now,
    private readonly ticketsFrom: string | null = null,
  ) {}

  async read(window: Window): Promise<DecisionRecords> {
    const now = this.now();
    const out: DecisionRecords = { decisions: [], tickets: [], appeals: [] };
    const read = async (topic: string, from: string, take: (decoded: ReturnType<typeof decodeRecord>) => void) => {
      const ranges = await rangesFor(this.kafka, topic, from, window.to, now);
      await readRanges(this.kafka, topic, ranges, (record) => take(decodeRecord(this.schemas, record)));
    };
    // The three topics at once: each read is a consumer group of its own.
    await Promise.all([
      read(this.topics.decisions, window.from, (d) => {
        if (d.kind === "decision") out.decisions.push(d.value);
      }),
      read(this.topics.tickets, this.ticketsFrom ?? window.from, (d) => {
        if (d.kind === "ticket") out.tickets.push(d.value);
      }),
      read(this.topics.appeals, window.from, (d) => {
        if (d.kind === "appeal") out.appeals.push(d.value);
      }),
    ]);
    return out;
  }
}
