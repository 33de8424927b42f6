/** An offset past 2^53: the runner's bookkeeping holds offsets as numbers (a partition would need 9e15 records). */
export class UnsafeOffsetError extends Error {
  readonly retriable = false;
  constructor(readonly offset: string) {
    super(`offset ${offset} is beyond 2^53; the stream runner cannot track it`);
    this.name = "UnsafeOffsetError";
  }
}
