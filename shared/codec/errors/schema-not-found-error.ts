/** The Schema Registry answered that it has no schema with this id (404). */
export class SchemaNotFoundError extends Error {
  readonly retriable = false;
  constructor(
    readonly schemaId: number,
    message: string,
  ) {
    super(message);
    this.name = "SchemaNotFoundError";
  }
}
