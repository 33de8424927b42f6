import { CliError } from "./cli-error.js";

/** A service the command needs cannot be reached: what failed and what to do about it. Exit code 3. */
export class ServiceUnreachableError extends CliError {
  override readonly name = "ServiceUnreachableError";
  constructor(
    readonly service: "Kafka" | "Redis",
    readonly detail: string,
    readonly fix: string,
  ) {
    super("unreachable", `${detail}: ${fix}`);
  }
}
