// The `arbiter` command: one program, a file per command (./commands), exit codes from
// shared/cli/exit-codes.ts. Run it as `npx arbiter` (workers/cli/bin/arbiter.mjs picks the
// build or the sources).
import { Command, CommanderError } from "commander";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { CliError } from "@arbiter/shared/cli/errors/cli-error.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { EXIT_CODES, exitCodesHelp } from "@arbiter/shared/cli/exit-codes.js";
import { commands } from "./commands/index.js";

/** Commander's own errors: a help or version request is a success, anything else a usage error. */
function commanderExitCode(error: CommanderError): number {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_CODES.ok;
  if (error.code === "commander.help") return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  return EXIT_CODES.usage;
}

/** Every command, and theirs, ends with the exit codes in its help and throws instead of exiting. */
function configure(command: Command): void {
  command.exitOverride().showHelpAfterError("(add --help for the options)").addHelpText("after", `\n${exitCodesHelp()}`);
  for (const sub of command.commands) configure(sub);
}

export function buildProgram(): Command {
  const program = new Command("arbiter")
    .description("Arbiter: moderate posts with plain-language policies (Kafka worker, topics, test data, evaluation)")
    .version("0.1.0")
    .option("-c, --config <file>", "settings file (JSON, or YAML for .yaml/.yml), as ARBITER_CONFIG")
    .option("-v, --verbose", "log at the configured level (log.level) instead of warnings only")
    .hook("preAction", (thisCommand) => {
      const { config } = thisCommand.opts<{ config?: string }>();
      // The settings file reaches every command (and a worker's own loadConfig) the way a deployment sets it.
      if (config) process.env.ARBITER_CONFIG = config;
    });
  for (const command of commands) program.addCommand(command());
  configure(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
  // kafkajs and llama.cpp may leave handles open after a command has closed what it opened.
  process.exit(process.exitCode ?? EXIT_CODES.ok);
} catch (error) {
  if (error instanceof CommanderError) process.exit(commanderExitCode(error));
  const code =
    error instanceof CliError
      ? error.exitCode
      : error instanceof UsageError || error instanceof ConfigError
        ? EXIT_CODES.usage
        : error instanceof ServiceUnreachableError
          ? EXIT_CODES.unreachable
          : EXIT_CODES.failure;
  process.stderr.write(`arbiter: ${(error as Error).message}\n`);
  if (process.env.ARBITER_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(code);
}
