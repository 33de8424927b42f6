// The Confluent wire format: magic byte 0, the writer schema's registry id (4 bytes, big-endian), then the Avro body.

export const CONFLUENT_MAGIC = 0;
export const CONFLUENT_PREFIX_BYTES = 5;

/** The registry id of the writer schema of a Confluent-framed value; undefined when the value is not framed. */
export function confluentSchemaId(value: Uint8Array | null | undefined): number | undefined {
  if (!value || value.length < CONFLUENT_PREFIX_BYTES || value[0] !== CONFLUENT_MAGIC) return undefined;
  // Read by hand: a Uint8Array from the screen wire is not always a Buffer.
  return ((value[1]! << 24) | (value[2]! << 16) | (value[3]! << 8) | value[4]!) >>> 0;
}

/** The Avro body of a framed value (shares its memory). */
export function confluentBody(value: Buffer): Buffer {
  return value.subarray(CONFLUENT_PREFIX_BYTES);
}

/** `body` framed with the writer schema's registry id. */
export function confluentFrame(schemaId: number, body: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(CONFLUENT_PREFIX_BYTES + body.length);
  framed[0] = CONFLUENT_MAGIC;
  framed.writeUInt32BE(schemaId, 1);
  framed.set(body, CONFLUENT_PREFIX_BYTES);
  return framed;
}
