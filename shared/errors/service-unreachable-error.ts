import { ArbiterError } from "./arbiter-error.js";

/** A service the caller needs (Kafka, Redis, PostgreSQL) cannot be reached: what failed and what to do about it (the `arbiter` command exits 3). */
export class ServiceUnreachableError extends ArbiterError {
  override readonly name = "ServiceUnreachableError";
  readonly code = "UNREACHABLE";
  override readonly retriable = true;
  override readonly codeInDeadLetters = false;
  constructor(
    readonly service: "Kafka" | "Redis" | "PostgreSQL",
    readonly detail: string,
    readonly fix: string,
  ) {
    super(`${detail}: ${fix}`);
  }
}
