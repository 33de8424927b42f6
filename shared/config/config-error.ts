/** A bad setting, found at start. The message names the field (e.g. `kafka.brokers[0]`). */
export class ConfigError extends Error {
  readonly retriable = false;
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`config: ${field}: ${problem}`);
    this.name = "ConfigError";
  }
}
