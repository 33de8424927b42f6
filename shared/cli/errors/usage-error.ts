import { CliError } from "./cli-error.js";

/** The command line names something wrong: a bad value, a missing file or column. Exit code 2. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  constructor(message: string) {
    super("usage", message);
  }
}
