/** The Schema Registry refused a request (a 4xx other than a missing schema): asking again will not help. */
export class SchemaRegistryRequestError extends Error {
  readonly retriable = false;
  constructor(
    message: string,
    readonly status: number,
    /** The registry's own `error_code` (Confluent's five-digit codes), when it sent one. */
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = "SchemaRegistryRequestError";
  }
}
