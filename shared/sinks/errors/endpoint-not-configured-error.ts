import { ArbiterError } from "../../errors/arbiter-error.js";

/** A record needs a call whose URL the config leaves unset (e.g. a BANNER with no `autoHide.forum.banner.url`): a dead letter, since waiting will not help. */
export class EndpointNotConfiguredError extends ArbiterError {
  override readonly name = "EndpointNotConfiguredError";
  readonly code = "NOT_CONFIGURED";

  constructor(readonly setting: string) {
    super(`${setting} is not set`);
  }
}
