import { Argument, Command } from "commander";
import { probeKafka } from "@arbiter/shared/cli/service-probes.js";
import { commandContext } from "../command-context.js";

/** Each role: the deployable that runs it and the environment it reads its role from. A new worker is one line here. */
const ROLES: Record<string, { main: string; env: Record<string, string>; about: string }> = {
  primary: { main: "../../classifier/main.js", env: { ARBITER_ROLE: "primary" }, about: "posts → decisions, audit, escalations" },
  escalation: { main: "../../classifier/main.js", env: { ARBITER_ROLE: "escalation" }, about: "escalations and appeals → final decisions, tickets" },
  "auto-hide": { main: "../../auto-hide/main.js", env: {}, about: "decisions → the forum's hide/unhide/banner API" },
  tickets: { main: "../../tickets/main.js", env: {}, about: "tickets → the ticket webhook and/or a Redis stream" },
  console: { main: "../../console/main.js", env: {}, about: "the moderator console (web)" },
  ingest: { main: "../../ingest/main.js", env: {}, about: "signed webhooks and Reddit/Lemmy pollers → posts" },
  record: { main: "../../record/main.js", env: {}, about: "decisions, audit, tickets, appeals → the store of record (PostgreSQL)" },
};

export function workerCommand(): Command {
  return new Command("worker")
    .summary(`run a worker (${Object.keys(ROLES).join(", ")}) until SIGTERM/Ctrl-C`)
    .description("run a worker in the foreground until SIGTERM/Ctrl-C (drains, commits, exits 0; the same signal again a second later exits at once with 1)")
    .addArgument(
      new Argument(
        "<role>",
        Object.entries(ROLES)
          .map(([role, r]) => `${role}: ${r.about}`)
          .join("; "),
      ).choices(Object.keys(ROLES)),
    )
    .addHelpText(
      "after",
      "\nThe worker reads its settings as workers/classifier/main.ts does (ARBITER_CONFIG, ARBITER_CONFIG_JSON, the environment shortcuts). It exits 1 when it cannot start or ends on a fatal error.",
    )
    .action(async (role: string, _options: unknown, command: Command) => {
      const { main, env } = ROLES[role]!;
      Object.assign(process.env, env);
      const { config } = commandContext(command);
      // The worker would retry a missing broker for a minute and exit 1; say at once what is down (exit code 3).
      await probeKafka(config.kafka);
      await import(new URL(main, import.meta.url).href);
    });
}
