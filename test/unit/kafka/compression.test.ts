import { createRequire } from "node:module";
import { CompressionTypes } from "kafkajs";
import { registerCompressionCodecs, undecompressableBatch } from "@arbiter/shared/kafka/compression.js";

// kafkajs' own record-batch encoder and its fetch decoder: the codecs are tested on the path the consumer takes.
const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
  RecordBatch: (o: { compression: number; firstOffset: unknown; lastOffsetDelta: number; records: unknown[] }) => Promise<{ buffer: Buffer }>;
};
const Record = require("kafkajs/src/protocol/recordBatch/record/v0") as (o: {
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer;
  headers?: Record<string, Buffer>;
}) => unknown;
const Long = require("kafkajs/src/utils/long") as { fromValue(v: number): unknown };
const Decoder = require("kafkajs/src/protocol/decoder") as new (b: Buffer) => unknown;
const decodeMessages = require("kafkajs/src/protocol/requests/fetch/v4/decodeMessages") as (d: unknown) => Promise<FetchedRecord[]>;

interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

const LIMIT = 1 << 20;
beforeAll(() => registerCompressionCodecs(LIMIT));

async function batch(compression: number, values: Buffer[], firstOffset = 100): Promise<Buffer> {
  const records = values.map((value, i) => Record({ offsetDelta: i, key: Buffer.from(`k${i}`), value }));
  const encoded = await RecordBatch({ compression, firstOffset: Long.fromValue(firstOffset), lastOffsetDelta: values.length - 1, records });
  return encoded.buffer;
}

/** What kafkajs' fetch decoding makes of a partition's record batches, as the consumer would get them. */
function fetched(...batches: Buffer[]): Promise<FetchedRecord[]> {
  const messages = Buffer.concat(batches);
  const size = Buffer.alloc(4);
  size.writeInt32BE(messages.length);
  return decodeMessages(new Decoder(Buffer.concat([size, messages])));
}

const values = [Buffer.from('{"id":"p1","text":"hello"}'), Buffer.from("x".repeat(5000)), Buffer.from("third")];

test.each([
  ["gzip", CompressionTypes.GZIP],
  ["snappy", CompressionTypes.Snappy],
  ["lz4", CompressionTypes.LZ4],
  ["zstd", CompressionTypes.ZSTD],
])("%s batches round-trip through kafkajs' decoder with the registered codec", async (_name, type) => {
  const records = await fetched(await batch(type, values));
  expect(records.map((r) => r.value!.toString())).toEqual(values.map((v) => v.toString()));
  expect(records.map((r) => r.offset)).toEqual(["100", "101", "102"]);
  expect(records.every((r) => undecompressableBatch(r) === undefined)).toBe(true);
});

test("a corrupt batch becomes one stand-in per record at its offsets; the last carries the raw bytes and why; the next batch reads as it is", async () => {
  const bad = await batch(CompressionTypes.LZ4, values);
  // Past the 61-byte header and the frame header: the compressed blocks.
  for (let i = 61 + 11; i < bad.length; i++) bad[i] = 0xff;
  const good = await batch(CompressionTypes.GZIP, [Buffer.from("after")], 103);
  const records = await fetched(bad, good);
  expect(records.map((r) => r.offset)).toEqual(["100", "101", "102", "103"]);
  expect(records.slice(0, 2).map((r) => undecompressableBatch(r))).toEqual([undefined, undefined]);
  const standIn = undecompressableBatch(records[2]!)!;
  expect(standIn.error.code).toBe("UNDECOMPRESSABLE_BATCH");
  expect(standIn.error.message).toMatch(/offsets 100\.\.102 \(3 records, lz4\)/);
  expect([standIn.firstOffset, standIn.lastOffset]).toEqual([100n, 102n]);
  expect(standIn.raw.equals(bad.subarray(61))).toBe(true);
  expect(records[3]!.value!.toString()).toBe("after");
});

test.each([
  ["gzip", CompressionTypes.GZIP],
  ["snappy", CompressionTypes.Snappy],
  ["lz4", CompressionTypes.LZ4],
])("a %s batch inflating past the limit (a bomb) is stood in for, never inflated whole", async (_name, type) => {
  const records = await fetched(await batch(type, [Buffer.alloc(LIMIT + 1), Buffer.from("small")]));
  expect(records).toHaveLength(2);
  const standIn = undecompressableBatch(records[1]!)!;
  expect(standIn.error.message).toMatch(/inflates past kafka.maxDecompressedBytes \(1048576 bytes\)|too big/);
});

test("a batch naming a codec Kafka does not define is stood in for", async () => {
  const odd = await batch(CompressionTypes.GZIP, values);
  // attributes: int16 at byte 21; the codec is its low three bits.
  odd.writeInt16BE((odd.readInt16BE(21) & ~7) | 6, 21);
  const records = await fetched(odd);
  expect(undecompressableBatch(records[2]!)!.error.message).toMatch(/codec 6 is not one Kafka defines/);
});

test("a producer cannot forge a stand-in: the header on an ordinary record is ignored", async () => {
  const forged = Record({ offsetDelta: 0, key: null, value: Buffer.from("x"), headers: { "arbiter-undecompressable-batch": Buffer.from('{"codec":"lz4"}') } });
  const encoded = await RecordBatch({ compression: CompressionTypes.None, firstOffset: Long.fromValue(0), lastOffsetDelta: 0, records: [forged] });
  const records = await fetched(encoded.buffer);
  expect(records).toHaveLength(1);
  expect(undecompressableBatch(records[0]!)).toBeUndefined();
});

test("a zstd bomb (RLE blocks past the limit) and a frame declaring a huge window are stood in for before anything large is allocated", async () => {
  const gz = await batch(CompressionTypes.ZSTD, [Buffer.from("x")]);
  // Nine RLE blocks of 128 KiB: 1.1 MiB from 9 bytes of payload.
  const rle = (last: number) => {
    const header = (131_072 << 3) | (1 << 1) | last;
    return Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x61]);
  };
  const bomb = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]), ...Array.from({ length: 9 }, (_, i) => rle(i === 8 ? 1 : 0))]);
  // 2 GiB window (descriptor exponent 21): fzstd would allocate it.
  const wide = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8]), rle(1)]);
  for (const [frame, reason] of [
    [bomb, /inflates past kafka.maxDecompressedBytes/],
    [wide, /window of 2147483648 bytes/],
  ] as const) {
    const patched = Buffer.concat([gz.subarray(0, 61), frame]);
    patched.writeInt32BE(frame.length + 49, 8);
    const [only] = await fetched(patched);
    expect(undecompressableBatch(only!)!.error.message).toMatch(reason);
  }
});
