import { EXIT_CODES, type ExitCodeName } from "../exit-codes.js";

/** An error a command reports in one line and exits with; the exit code says what kind it is. */
export class CliError extends Error {
  override readonly name: string = "CliError";
  readonly exitCode: number;
  constructor(
    readonly kind: ExitCodeName,
    message: string,
  ) {
    super(message);
    this.exitCode = EXIT_CODES[kind];
  }
}
