import type { Headers } from "../codec/record-codec.js";

/** A record as consumed, before decoding. */
export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

/** A record to produce. Keys are post ids, so one post's records stay in order on one partition. */
export interface OutboundRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  /** Often one object shared by many records (a codec's): never mutate it. */
  headers: Readonly<Record<string, string | Buffer>>;
}
