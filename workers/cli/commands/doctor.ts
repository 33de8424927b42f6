import { Command, Option } from "commander";
import type { CheckResult, DoctorScope } from "@arbiter/shared/cli/doctor.js";
import { commandContext } from "../command-context.js";

const MARK: Record<CheckResult["status"], string> = { ok: "ok  ", warn: "WARN", fail: "FAIL", skip: "skip" };

export function doctorCommand(): Command {
  return new Command("doctor")
    .summary("check Kafka, Redis, policies, model files and the GPU backend")
    .description(
      "check what the workers need: the Kafka broker and topics, Redis (when the verdict cache or the policy registry is on), the policies, the model files and the GPU backend node-llama-cpp finds; say what is wrong and how to fix it",
    )
    .addOption(new Option("--role <role>", "check for this role's model (all: both models)").choices(["primary", "escalation", "all"]).default("all"))
    .option("--json", "the checks as JSON")
    .addHelpText(
      "after",
      "\nExits 1 when a required check fails, 3 when the only failures are services that do not answer (starting them may be all it takes); warnings exit 0.",
    )
    .action(async (options: { role: DoctorScope; json?: boolean }, command: Command) => {
      const { config } = commandContext(command);
      // Loaded here, not at start: node-llama-cpp alone takes most of a second to import.
      const { doctorFailure, runDoctor } = await import("@arbiter/shared/cli/doctor.js");
      const results = await runDoctor(config, options.role);
      if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else {
        const width = Math.max(...results.map((r) => r.name.length));
        for (const r of results) {
          process.stdout.write(`${MARK[r.status]}  ${r.name.padEnd(width)}  ${r.detail}\n`);
          if (r.fix) process.stdout.write(`      ${" ".repeat(width)}  fix: ${r.fix}\n`);
        }
      }
      const failure = doctorFailure(results);
      if (failure) throw failure;
    });
}
