/**
 * A policy file that cannot be used. The message reads `file:line: field "name": detail`; the
 * line and the field are left out when unknown (a missing field has no line).
 */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    readonly source: string,
    readonly field: string | undefined,
    detail: string,
    readonly line?: number,
  ) {
    super(`${source}${line === undefined ? "" : `:${line}`}: ${field === undefined ? "" : `field "${field}": `}${detail}`);
  }
}
