import { ArbiterError } from "../errors/arbiter-error.js";

/** A bad setting, found at start. The message names the field (e.g. `kafka.brokers[0]`) and, when known, where it came from. */
export class ConfigError extends ArbiterError {
  readonly code = "CONFIG";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    readonly field: string,
    problem: string,
    readonly source?: string,
  ) {
    super(`config: ${ConfigError.label(field, source)}: ${problem}`);
    this.name = "ConfigError";
  }

  /** `field (from source)`, as messages name a setting. */
  static label(field: string, source: string | undefined): string {
    return source === undefined ? field : `${field} (from ${source})`;
  }
}
