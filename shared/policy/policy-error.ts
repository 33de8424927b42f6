import { ArbiterError } from "../errors/arbiter-error.js";

/**
 * A policy file that cannot be used. The message reads `file:line: field "name": detail`; the
 * line and the field are left out when unknown (a missing field has no line).
 */
export class PolicyError extends ArbiterError {
  override readonly name = "PolicyError";
  readonly code = "POLICY";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    readonly source: string,
    readonly field: string | undefined,
    detail: string,
    readonly line?: number,
  ) {
    super(`${source}${line === undefined ? "" : `:${line}`}: ${field === undefined ? "" : `field "${field}": `}${detail}`);
  }
}
