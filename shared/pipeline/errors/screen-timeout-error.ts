/** A screen chunk was not answered in time: its thread (if it had started on the chunk) was terminated and replaced. */
export class ScreenTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`screen chunk not answered within ${timeoutMs} ms: its thread was terminated and is replaced`);
    this.name = "ScreenTimeoutError";
  }
}
