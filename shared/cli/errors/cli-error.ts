import { ArbiterError } from "../../errors/arbiter-error.js";
import { EXIT_CODES, type ExitCodeName } from "../exit-codes.js";

/** An error a command reports in one line and exits with; the exit code says what kind it is. */
export class CliError extends ArbiterError {
  override readonly name: string = "CliError";
  readonly exitCode: number;
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    readonly kind: ExitCodeName,
    message: string,
  ) {
    super(message);
    this.exitCode = EXIT_CODES[kind];
  }

  /** The exit code's name: `FAILURE`, `UNREACHABLE`, `INTERRUPTED` (a {@link UsageError} is `USAGE`). */
  get code(): string {
    return this.kind.toUpperCase();
  }
}
