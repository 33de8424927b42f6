/** A retriable failure that outlasted `retry.maxAttempts`: the record goes to the dead-letter topic. */
export class RetriesExhaustedError extends Error {
  override readonly name = "RetriesExhaustedError";
  readonly retriable = false;

  constructor(
    readonly attempts: number,
    readonly lastError: Error,
  ) {
    super(`gave up after ${attempts} attempts: ${lastError.message}`);
  }

  get code(): string {
    return (this.lastError as { code?: string }).code ?? this.lastError.name;
  }
}
