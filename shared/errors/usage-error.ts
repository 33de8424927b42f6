import { ArbiterError } from "./arbiter-error.js";

/** The command line or a file it names is wrong: a bad value, a missing file or column (the `arbiter` command exits 2). */
export class UsageError extends ArbiterError {
  override readonly name = "UsageError";
  readonly code = "USAGE";
}
