import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { KafkaDecisionSource } from "@arbiter/shared/dsa/decision-source.js";
import { parsePeriod, renderTransparencyHtml, renderTransparencyText, transparencyReport, type Period } from "@arbiter/shared/dsa/transparency-report.js";
import { commandContext, connectedKafka } from "../command-context.js";

interface TransparencyFlags {
  period: string;
  out?: string;
  json?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function reportCommand(): Command {
  const report = new Command("report").summary("reports for regulators and the public");
  report
    .command("transparency")
    .summary("decisions, appeals and the human overturn rate over a period (HTML and JSON)")
    .description(
      "count a period's decisions by policy, action and automation level, the appeals and their outcomes, and the share of reviewed automated findings moderators overturned (the DSA Article 15 accuracy indicator, with its denominator); read from the decisions, tickets and appeals topics, which keep what their retention keeps",
    )
    .requiredOption("--period <period>", "a year (2026), a half (2026-H2) or a quarter (2026-Q3), UTC")
    .option("--out <dir>", "write transparency-PERIOD.html and transparency-PERIOD.json to DIR")
    .option("--json", "print the JSON report (default: text)")
    .action(async (flags: TransparencyFlags, command: Command) => {
      let period: Period;
      try {
        period = parsePeriod(flags.period);
      } catch (error) {
        throw new UsageError(`--period: ${(error as Error).message}`);
      }
      const context = commandContext(command);
      const kafka = await connectedKafka(context, "report");
      const source = new KafkaDecisionSource(kafka, context.config.kafka.topics, Date.now, `${period.from - 30 * 86_400_000}ms`);
      const records = await source.read({ from: `${period.from}ms`, to: `${period.to}ms` });
      const figures = transparencyReport(records, period);
      const json = JSON.stringify({ ...figures, period: { ...period, from: iso(period.from), to: iso(period.to) } }, null, 2);
      if (flags.out) {
        mkdirSync(flags.out, { recursive: true });
        const base = path.join(flags.out, `transparency-${period.label}`);
        writeFileSync(`${base}.html`, renderTransparencyHtml(figures).value);
        writeFileSync(`${base}.json`, `${json}\n`);
        process.stderr.write(`wrote ${base}.html and ${base}.json\n`);
      }
      process.stdout.write(flags.json ? `${json}\n` : renderTransparencyText(figures));
    });
  return report;
}
