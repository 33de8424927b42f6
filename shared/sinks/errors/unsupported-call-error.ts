import { ArbiterError } from "../../errors/arbiter-error.js";

/** A call the forum's platform has no API for, or that its settings leave out (a BANNER where no notice text is set): a dead letter, since waiting will not help. */
export class UnsupportedCallError extends ArbiterError {
  override readonly name = "UnsupportedCallError";
  readonly code = "UNSUPPORTED_CALL";

  constructor(platform: string, call: string, why: string) {
    super(`${platform} cannot ${call}: ${why}`);
  }
}
