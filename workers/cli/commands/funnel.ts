import { Command } from "commander";
import type { Audit } from "@arbiter/shared/codec/records.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { decodeRecord } from "@arbiter/shared/codec/topic-record.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { funnelReport, renderFunnelText } from "@arbiter/shared/funnel/funnel-report.js";
import { rangesFor, readRanges } from "@arbiter/shared/replay/topic-range-reader.js";
import { commandContext, connectedKafka } from "../command-context.js";

interface FunnelReportFlags {
  since: string;
  until?: string;
  json?: boolean;
}

export function funnelCommand(): Command {
  const funnel = new Command("funnel")
    .summary("what the prefilter lets through: funnel audit sampling")
    .description("what the prefilter lets through without the model, measured by funnel audit sampling (pipeline.auditSampleRate)");
  funnel
    .command("report")
    .summary("the prefilter's miss rate per policy, from the audit samples")
    .description(
      "read the funnel audit samples on the audit topic over a time window — posts the prefilter allowed that the model read at the lowest priority — and print, per policy, the share the model says violate (the prefilter's miss rate) with its 95 % Wilson interval, by rule id; where the second look ran (secondLook.enabled), also the posts it reviewed and the violations it found per policy (the funnel's measured misses)",
    )
    .option("--since <time>", "start: ISO-8601, epoch ms (…ms) or a duration ago (90m, 24h, 7d)", "24h")
    .option("--until <time>", "end (default: now)")
    .option("--json", "the report as JSON")
    .action(async (flags: FunnelReportFlags, command: Command) => {
      const context = commandContext(command);
      const kafka = await connectedKafka(context, "funnel");
      const topic = context.config.kafka.topics.audit;
      let ranges;
      try {
        ranges = await rangesFor(kafka, topic, flags.since, flags.until ?? null, Date.now());
      } catch (error) {
        if ((error as { name?: string }).name?.startsWith("KafkaJS")) throw error;
        throw new UsageError(`--since/--until: ${(error as Error).message}`);
      }
      // By the fingerprint header, in either output format (Arbiter's Avro or the Confluent frame).
      const schemas = ShippedSchemas.load();
      const audits: Audit[] = [];
      await readRanges(kafka, topic, ranges, (record) => {
        const decoded = decodeRecord(schemas, record);
        // Not an audit record Arbiter can read: not a sample either. The second look's records all count (its figures), sampled or not.
        if (decoded.kind === "audit" && (decoded.value.sampled || decoded.value.stage === "second_look")) audits.push(decoded.value);
      });
      const report = funnelReport(audits);
      const window = `${flags.since} .. ${flags.until ?? "now"}`;
      process.stdout.write(flags.json ? `${JSON.stringify({ window, ...report }, null, 2)}\n` : renderFunnelText(report, window));
    });
  return funnel;
}
