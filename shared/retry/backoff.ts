/**
 * Exponential backoff: the wait doubles per attempt up to a cap. With "equal jitter" (the
 * default) a random half of it spreads retries apart; `jitter: false` waits the plain doubling.
 */
export class Backoff {
  constructor(
    private readonly settings: { initialDelayMs: number; maxDelayMs: number; jitter?: boolean },
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before attempt `attempt + 1`, after `attempt` (≥ 1) failed attempts. */
  delayMs(attempt: number): number {
    const ceiling = Math.min(this.settings.maxDelayMs, this.settings.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    if (this.settings.jitter === false) return ceiling;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }
}
