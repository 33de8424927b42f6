/** A record needs a call whose URL the config leaves unset (e.g. a BANNER with no `autoHide.forum.banner.url`): a dead letter, since waiting will not help. */
export class EndpointNotConfiguredError extends Error {
  override readonly name = "EndpointNotConfiguredError";
  readonly retriable = false;
  readonly code = "NOT_CONFIGURED";

  constructor(readonly setting: string) {
    super(`${setting} is not set`);
  }
}
