import { InvalidArgumentError, type Command } from "commander";
import type { Kafka } from "kafkajs";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { cliLogger } from "@arbiter/shared/cli/cli-logger.js";
import { probeKafka } from "@arbiter/shared/cli/service-probes.js";
import { createKafka } from "@arbiter/shared/kafka/kafka-client.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";

export interface CommandContext {
  config: ArbiterConfig;
  logger: Logger;
}

/** The settings (file, environment, then `overrides`) and a logger on stderr, for a command's action. */
export function commandContext(command: Command, overrides: Record<string, unknown> = {}): CommandContext {
  const config = loadConfig(overrides);
  const { verbose } = command.optsWithGlobals<{ verbose?: boolean }>();
  return { config, logger: cliLogger(`arbiter-${command.name()}`, config.log, verbose === true) };
}

/** A Kafka client, after checking that a broker answers (exit code 3 with what to do when none does). */
export async function connectedKafka(context: CommandContext, purpose: string): Promise<Kafka> {
  await probeKafka(context.config.kafka);
  return createKafka(context.config.kafka, `${context.config.kafka.clientId}-${purpose}`, context.logger);
}

/** An option value that must be a whole number ≥ `min` (commander reports the option on failure). */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
    return n;
  };
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
