/** A policy file that cannot be used; the message names the file and, when known, the field. */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    readonly source: string,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(field === undefined ? `${source}: ${detail}` : `${source}: field "${field}": ${detail}`);
  }
}
