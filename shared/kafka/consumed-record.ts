/** A header's value as kafkajs hands it over (a repeated header is an array; Kafka allows a null value). */
export type HeaderValue = Buffer | string | null | (Buffer | string | null)[] | undefined;
export type Headers = Record<string, HeaderValue>;

/** A record as consumed from a topic, before decoding: the one shape every reader (stream runner, tail, replay) hands on. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The record's timestamp (ms since the epoch, as kafkajs gives it: a string). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

/** What the stages read of a consumed record: the timestamp does not cross to the screen threads (the stages never read it). */
export type InboundRecord = Omit<ConsumedRecord, "timestamp">;

/** A record to produce. Keys are post ids, so one post's records stay in order on one partition. */
export interface OutboundRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  /** Often one object shared by many records (a codec's): never mutate it. */
  headers: Readonly<Record<string, string | Buffer>>;
}
