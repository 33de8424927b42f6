import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { createWorkerCodecs } from "@arbiter/shared/codec/codecs.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { loadEnginePort } from "@arbiter/shared/pipeline/index.js";
import { policiesInForce } from "@arbiter/shared/policy-registry/policies-in-force.js";
import { createRedis } from "@arbiter/shared/redis/redis-client.js";
import { parseRangeBound } from "@arbiter/shared/replay/replay-range.js";
import { RedisSweepCheckpoint } from "@arbiter/shared/sweep/sweep-checkpoint.js";
import { renderSweepText, runSweep, sweepMetrics } from "@arbiter/shared/sweep/sweep-run.js";
import { readSweepInput } from "@arbiter/shared/sweep/sweep-source.js";
import { commandContext, connectedKafka, wholeNumber } from "../command-context.js";
import { progressBar } from "../progress-bar.js";

interface SweepFlags {
  since: string;
  until?: string;
  sample?: number;
  all?: boolean;
  run?: string;
  json?: boolean;
  metricsFile?: string;
  quiet?: boolean;
}

function timeBound(flag: string, text: string, now: number): number {
  let bound;
  try {
    bound = parseRangeBound(text, now);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
  if (bound.kind !== "time") throw new UsageError(`${flag}: the sweep takes a time (24h, an ISO-8601 date), not an offset`);
  return bound.ms;
}

export function sweepCommand(): Command {
  return new Command("sweep")
    .summary("decide the day's model-decided posts again at high effort; tickets where it disagrees")
    .description(
      "decide the window's model-decided posts again with the escalation engine (escalationEngine) at high effort, raise a ticket tagged `sweep` (reason `sweep: …`, id `sweep:<decision id>`) where it disagrees with the decision in force, and report the agreement rate per policy. A post whose decision in force is a moderator's is never swept (counted). What is swept is kept in Redis under the run id, so the same command after a kill goes on where it stopped and raises no ticket twice",
    )
    .option("--since <time>", "start: ISO-8601, epoch ms (…ms) or a duration ago (24h)", "24h")
    .option("--until <time>", "end (default: now)")
    .option("--sample <n>", "sweep a sample of N (the same N for the same run id)", wholeNumber(1))
    .option("--all", "sweep every model-decided post (the default)")
    .option("--run <id>", "the run id the checkpoint is kept under (default: today's UTC date)")
    .option("--json", "the report as JSON")
    .option("--metrics-file <file>", "write the agreement rates as Prometheus text (a node_exporter textfile collector's file)")
    .option("--quiet", "no progress bar")
    .action(async (flags: SweepFlags, command: Command) => {
      if (flags.all && flags.sample !== undefined) throw new UsageError("--sample and --all: name one");
      const now = Date.now();
      const fromMs = timeBound("--since", flags.since, now);
      const toMs = flags.until === undefined ? null : timeBound("--until", flags.until, now);
      const runId = flags.run ?? new Date(now).toISOString().slice(0, 10);
      const context = commandContext(command);
      const { config, logger } = context;
      const kafka = await connectedKafka(context, "sweep");
      const { set } = await policiesInForce(config);
      const input = await readSweepInput(kafka, config.kafka.topics, fromMs, toMs, now);
      const redis = createRedis(config.redis, { maxRetriesPerRequest: 2, commandTimeout: 5000, connectTimeout: 3000 }, "redis");
      const { codecs, close: closeCodecs } = await createWorkerCodecs(config, logger);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const engine = await loadEnginePort({ ...config.escalationEngine, defaultEffort: "high" }, logger);
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error("interrupted"));
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const bar = progressBar("posts", flags.quiet === true);
      try {
        const report = await runSweep(input, {
          runId,
          set,
          engine,
          checkpoint: new RedisSweepCheckpoint(redis, config.redis.keyPrefix, runId),
          publishTicket: async (ticket) => {
            await producer.send({ topic: config.kafka.topics.tickets, acks: -1, messages: [{ key: ticket.post.id, ...codecs.ticket.encode(ticket) }] });
          },
          sample: flags.sample ?? null,
          maxModelChars: config.pipeline.maxModelChars,
          signal: stop.signal,
          onProgress: (done, total) => bar.update(done, total),
          onError: (decisionId, error) => logger.warn({ decisionId, err: error.message }, "sweep: engine failed; a rerun tries it again"),
        });
        bar.stop();
        if (flags.metricsFile) writeFileSync(flags.metricsFile, sweepMetrics(report));
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderSweepText(report));
        if (stop.signal.aborted) process.exitCode = 130;
      } finally {
        bar.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await engine.dispose();
        await producer.disconnect();
        closeCodecs();
        redis.disconnect();
      }
    });
}
