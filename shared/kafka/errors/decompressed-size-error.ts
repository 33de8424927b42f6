import { ArbiterError } from "../../errors/arbiter-error.js";

/** A compressed batch that inflates past `kafka.maxDecompressedBytes` (a decompression bomb, or a limit set too low). */
export class DecompressedSizeError extends ArbiterError {
  readonly code = "DECOMPRESSED_TOO_LARGE";
  constructor(
    readonly codec: string,
    readonly limit: number,
  ) {
    super(`${codec} batch inflates past kafka.maxDecompressedBytes (${limit} bytes)`);
    this.name = "DecompressedSizeError";
  }
}
