import { promisify } from "node:util";
import zlib from "node:zlib";
import kafkajs, { type KafkaMessage } from "kafkajs";
import lz4 from "lz4js";
import snappy from "snappyjs";
import { Decompress } from "fzstd";
import { DecompressedSizeError } from "./errors/decompressed-size-error.js";
import { UndecompressableBatchError } from "./errors/undecompressable-batch-error.js";

/**
 * The codecs kafkajs is given for compressed record batches: gzip, snappy (raw or xerial-framed,
 * as the Java client writes it), lz4 (the LZ4 frame format) and zstd, each inflating to at most
 * `kafka.maxDecompressedBytes`, and a stand-in for the codec numbers Kafka has not assigned.
 *
 * kafkajs decompresses inside its fetch: a codec that throws there fails the whole fetch, the
 * consumer crashes, and every worker that takes the partition over meets the same batch. So a
 * batch that cannot be decompressed is never thrown: the codec reads the batch header around the
 * bytes it was handed (kafkajs hands it a slice of the fetch response: the header is just before
 * it), and returns in place of the records one stand-in per record of the batch, at the batch's
 * offsets, the last of them carrying the raw compressed bytes and why. The stream runner knows
 * the stand-ins by their memory (never by a header a producer could write) and turns them into one
 * dead letter; the fetch, the group and the partition go on.
 */

/** The header of a record batch, in the bytes kafkajs hands a codec: from the batch's first offset to its record count. */
const BATCH_HEADER_BYTES = 61;
/** The batch's `length` field counts the bytes after itself: 49 of them precede the records. */
const BATCH_LENGTH_OVERHEAD = 49;
const RECORD_BATCH_MAGIC = 2;
/** The stand-in header that carries the batch's description; it is trusted only on memory the codec made. */
const STAND_IN_HEADER = "arbiter-undecompressable-batch";
/** Buffers the codecs made as stand-ins: a record is a stand-in only when its header's bytes live in one. */
const standInMemory = new WeakSet<ArrayBufferLike>();

// kafkajs is CommonJS and Node cannot see these two among its named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const unzip = promisify(zlib.unzip);
const gzip = promisify(zlib.gzip);

/** What the runner gets for a stand-in record: the batch it stands for and its raw bytes. */
export interface UndecompressableBatch {
  error: UndecompressableBatchError;
  firstOffset: bigint;
  lastOffset: bigint;
  /** The batch's records section as it was fetched (compressed). */
  raw: Buffer;
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type Inflate = (compressed: Buffer, limit: number) => Promise<Buffer> | Buffer;

const CODEC_NAMES: Record<number, string> = { 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd", 5: "codec 5", 6: "codec 6", 7: "codec 7" };

/**
 * Registers the codecs with kafkajs (its table is global to the process: the last call's limit
 * holds for every client). Called by `createKafka`.
 */
export function registerCompressionCodecs(maxDecompressedBytes: number): void {
  const inflaters: Record<number, Inflate> = {
    [CompressionTypes.GZIP]: inflateGzip,
    [CompressionTypes.Snappy]: inflateSnappy,
    [CompressionTypes.LZ4]: inflateLz4,
    [CompressionTypes.ZSTD]: inflateZstd,
  };
  for (const type of [1, 2, 3, 4, 5, 6, 7]) {
    const inflate: Inflate =
      inflaters[type] ??
      (() => {
        throw new Error(`compression codec ${type} is not one Kafka defines`);
      });
    const codec: Codec = {
      compress: (encoder) => compress(type, encoder.buffer),
      decompress: (buffer) => decompress(type, buffer, inflate, maxDecompressedBytes),
    };
    // kafkajs looks a codec up as a function returning it.
    (CompressionCodecs as Record<number, () => Codec>)[type] = () => codec;
  }
}

/** The batch a stand-in record stands for, or undefined for any other record. */
export function undecompressableBatch(message: Pick<KafkaMessage, "headers" | "value">): UndecompressableBatch | undefined {
  const marker = message.headers?.[STAND_IN_HEADER];
  if (!Buffer.isBuffer(marker) || !standInMemory.has(marker.buffer)) return undefined;
  const d = JSON.parse(marker.toString("utf8")) as { codec: string; firstOffset: string; lastOffset: string; records: number; reason: string };
  return {
    error: new UndecompressableBatchError(d.codec, d.firstOffset, d.lastOffset, d.records, d.reason),
    firstOffset: BigInt(d.firstOffset),
    lastOffset: BigInt(d.lastOffset),
    raw: Buffer.from(message.value ?? Buffer.alloc(0)),
  };
}

async function decompress(type: number, compressed: Buffer, inflate: Inflate, limit: number): Promise<Buffer> {
  const header = batchHeader(compressed, type);
  try {
    const records = await inflate(compressed, limit);
    if (header) checkRecordLengths(records, header.count);
    return records;
  } catch (error) {
    const reason = (error as Error).message;
    const name = CODEC_NAMES[type]!;
    // A legacy message set (magic 0 or 1) or a header that does not add up: nothing to stand in for; kafkajs fails the fetch.
    if (!header) throw new UndecompressableBatchError(name, "?", "?", 0, reason);
    const standIns = standInRecords(header, compressed, name, reason, limit);
    if (!standIns)
      throw new UndecompressableBatchError(name, String(header.firstOffset), String(header.firstOffset + BigInt(header.lastOffsetDelta)), header.count, reason);
    return standIns;
  }
}

async function compress(type: number, buffer: Buffer): Promise<Buffer> {
  switch (type) {
    case CompressionTypes.GZIP:
      return gzip(buffer);
    case CompressionTypes.LZ4:
      return Buffer.from(lz4.compress(buffer));
    case CompressionTypes.Snappy:
      return xerialFrame(buffer);
    case CompressionTypes.ZSTD:
      return storedZstdFrame(buffer);
    default:
      throw new Error(`Arbiter produces no ${CODEC_NAMES[type]} batches (it reads them only)`);
  }
}

interface BatchHeader {
  firstOffset: bigint;
  lastOffsetDelta: number;
  count: number;
}

/**
 * The record batch around a codec's input, when kafkajs handed it a slice of a v2 batch (its
 * RecordBatch decoder does): the 61 bytes before the slice are the batch header, and its length
 * field, magic and codec agree with the slice. Undefined otherwise (a legacy message set).
 */
function batchHeader(compressed: Buffer, type: number): BatchHeader | undefined {
  if (compressed.byteOffset < BATCH_HEADER_BYTES) return undefined;
  const h = Buffer.from(compressed.buffer, compressed.byteOffset - BATCH_HEADER_BYTES, BATCH_HEADER_BYTES);
  if (h.readInt32BE(8) !== compressed.length + BATCH_LENGTH_OVERHEAD || h.readInt8(16) !== RECORD_BATCH_MAGIC || (h.readInt16BE(21) & 7) !== type)
    return undefined;
  return { firstOffset: h.readBigInt64BE(0), lastOffsetDelta: h.readInt32BE(23), count: h.readInt32BE(57) };
}

/** Every record's length prefix of the inflated records stays inside them, so kafkajs can read `count` records. */
function checkRecordLengths(records: Buffer, count: number): void {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const { value, next } = readVarint(records, at);
    if (value < 0 || next + value > records.length) throw new Error(`record ${i} of ${count} runs past the inflated bytes`);
    at = next + value;
  }
}

function readVarint(bytes: Buffer, at: number): { value: number; next: number } {
  let result = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && shift < 35; i++, shift += 7) {
    const byte = bytes[i]!;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: (result >>> 1) ^ -(result & 1), next: i + 1 };
  }
  throw new Error("a record length runs past the inflated bytes");
}

/** Zigzag varint, as Kafka writes record fields. */
function varint(n: number): Buffer {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z > 0x7f) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return Buffer.from(out);
}

/**
 * `count` records for kafkajs to decode in place of the batch's: empty ones at the first
 * `count - 1` offsets, and at the batch's last offset one whose value is the raw bytes and whose
 * header describes the batch. Undefined when the header does not add up or the stand-ins would
 * pass the limit themselves.
 */
function standInRecords(header: BatchHeader, compressed: Buffer, codec: string, reason: string, limit: number): Buffer | undefined {
  const { count, lastOffsetDelta, firstOffset } = header;
  if (count < 1 || lastOffsetDelta < count - 1 || count * 8 + compressed.length > limit) return undefined;
  const parts: Buffer[] = [];
  const empty = (offsetDelta: number) => {
    // attributes 0, timestamp delta 0, offset delta, null key, null value, no headers
    const body = Buffer.concat([Buffer.from([0, 0]), varint(offsetDelta), varint(-1), varint(-1), varint(0)]);
    parts.push(varint(body.length), body);
  };
  for (let i = 0; i < count - 1; i++) empty(i);
  const description = Buffer.from(
    JSON.stringify({
      codec,
      firstOffset: String(firstOffset),
      lastOffset: String(firstOffset + BigInt(lastOffsetDelta)),
      records: count,
      reason: reason.slice(0, 500),
    }),
  );
  const name = Buffer.from(STAND_IN_HEADER);
  const last = Buffer.concat([
    Buffer.from([0, 0]),
    varint(lastOffsetDelta),
    varint(-1),
    varint(compressed.length),
    compressed,
    varint(1),
    varint(name.length),
    name,
    varint(description.length),
    description,
  ]);
  parts.push(varint(last.length), last);
  const total = parts.reduce((n, p) => n + p.length, 0);
  // Buffer.alloc never hands out the shared pool: this memory is the stand-ins' alone.
  const out = Buffer.alloc(total);
  let at = 0;
  for (const p of parts) at += p.copy(out, at);
  standInMemory.add(out.buffer);
  return out;
}

function inflateGzip(compressed: Buffer, limit: number): Promise<Buffer> {
  return unzip(compressed, { maxOutputLength: limit }).catch((error: Error & { code?: string }) => {
    throw error.code === "ERR_BUFFER_TOO_LARGE" ? new DecompressedSizeError("gzip", limit) : error;
  });
}

/** LZ4 frame block sizes by the BD byte's block-max-size field (4 to 7). */
const LZ4_BLOCK_SIZES: Record<number, number> = { 4: 65_536, 5: 262_144, 6: 1_048_576, 7: 4_194_304 };

/** An LZ4 frame (Kafka's lz4 since message format v1), block by block: no block is given more room than its frame allows or the limit has left. */
function inflateLz4(src: Buffer, limit: number): Buffer {
  if (src.length < 7 || src.readUInt32LE(0) !== 0x184d2204) throw new Error("lz4: not an LZ4 frame");
  const flags = src[4]!;
  if (flags >> 6 !== 1) throw new Error(`lz4: frame version ${flags >> 6}`);
  const maxBlock = LZ4_BLOCK_SIZES[(src[5]! >> 4) & 7];
  if (maxBlock === undefined) throw new Error("lz4: invalid block size");
  const blockChecksums = (flags >> 4) & 1;
  // magic, FLG, BD, the content size and dictionary id when present, the header checksum
  let at = 6 + ((flags >> 3) & 1 ? 8 : 0) + (flags & 1 ? 4 : 0) + 1;
  const blocks: Buffer[] = [];
  let total = 0;
  for (;;) {
    if (at + 4 > src.length) throw new Error("lz4: the frame ends without its end mark");
    const word = src.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (at + size > src.length) throw new Error("lz4: a block runs past the frame");
    let block: Buffer;
    if (word >>> 31) block = src.subarray(at, at + size);
    else {
      const room = Math.min(maxBlock, limit - total);
      const out = Buffer.allocUnsafe(room);
      // Writes past `out` are dropped; the returned length still counts them.
      const length = lz4.decompressBlock(src, out, at, size, 0);
      if (length > room) throw room < maxBlock ? new DecompressedSizeError("lz4", limit) : new Error("lz4: a block inflates past the frame's block size");
      block = out.subarray(0, length);
    }
    at += size + (blockChecksums ? 4 : 0);
    total += block.length;
    if (total > limit) throw new DecompressedSizeError("lz4", limit);
    blocks.push(block);
  }
  return Buffer.concat(blocks, total);
}

/** snappy-java's stream header (SnappyOutputStream), which Kafka's Java client writes before its blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

function inflateSnappy(compressed: Buffer, limit: number): Buffer {
  const uncompress = (block: Buffer, room: number) => {
    try {
      return snappy.uncompress(block, room);
    } catch (error) {
      throw /too big/.test((error as Error).message) ? new DecompressedSizeError("snappy", limit) : error;
    }
  };
  if (compressed.length < XERIAL_HEADER_BYTES || !compressed.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return uncompress(compressed, limit);
  const blocks: Buffer[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER_BYTES; at < compressed.length;) {
    if (at + 4 > compressed.length) throw new Error("snappy: a block length runs past the batch");
    const length = compressed.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > compressed.length) throw new Error("snappy: a block runs past the batch");
    const block = uncompress(compressed.subarray(at, at + length), limit - total);
    at += length;
    total += block.length;
    blocks.push(block);
  }
  return Buffer.concat(blocks, total);
}

function xerialFrame(buffer: Buffer): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const blocks: Buffer[] = [header];
  // snappy-java writes 32 KiB blocks.
  for (let at = 0; at < buffer.length; at += 32_768) {
    const block = snappy.compress(buffer.subarray(at, at + 32_768));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    blocks.push(length, block);
  }
  return Buffer.concat(blocks);
}

/** The window every zstd decoder should take (RFC 8878 §3.1.1.1.2): Java's zstd-jni at Kafka's default level uses 2 MiB. */
const ZSTD_MIN_WINDOW_LIMIT = 8 * 1024 * 1024;

/** A zstd frame of raw (stored) blocks: what any zstd reader takes, for the rare producer that asks kafkajs for zstd (Arbiter's never do). */
function storedZstdFrame(buffer: Buffer): Buffer {
  const BLOCK = 131_072;
  // magic; no content size, no checksum; a window of 128 KiB (one block)
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])];
  let at = 0;
  do {
    const size = Math.min(BLOCK, buffer.length - at);
    const last = at + size >= buffer.length ? 1 : 0;
    const header = (size << 3) | last; // block type 0: raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), buffer.subarray(at, at + size));
    at += size;
  } while (at < buffer.length);
  return Buffer.concat(parts);
}

function inflateZstd(compressed: Buffer, limit: number): Buffer {
  // fzstd allocates each frame's window up front: a frame declaring a larger one than zstd asks decoders to take, or than the limit, is refused before that.
  checkZstdWindows(compressed, Math.max(limit, ZSTD_MIN_WINDOW_LIMIT), limit);
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    if (total > limit) throw new DecompressedSizeError("zstd", limit);
    // The chunk is a view of fzstd's window, which it reuses: copy it.
    chunks.push(Buffer.from(chunk));
  });
  stream.push(compressed, true);
  return Buffer.concat(chunks, total);
}

/** Walks the zstd frames (RFC 8878 §3.1) and refuses one whose window passes `windowLimit` or whose declared content passes `limit`. */
function checkZstdWindows(bytes: Buffer, windowLimit: number, limit: number): void {
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) throw new Error("zstd: a frame header runs past the batch");
    const magic = bytes.readUInt32LE(at);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      at += 8 + bytes.readUInt32LE(at + 4);
      continue;
    }
    if (magic !== 0xfd2fb528) throw new Error("zstd: not a zstd frame");
    const flags = bytes[at + 4]!;
    const singleSegment = (flags >> 5) & 1;
    const contentSizeFlag = flags >> 6;
    const dictionaryBytes = [0, 1, 2, 4][flags & 3]!;
    let p = at + 5;
    let window = 0;
    if (!singleSegment) {
      const descriptor = bytes[p++]!;
      const base = 2 ** (10 + (descriptor >> 3));
      window = base + (base / 8) * (descriptor & 7);
    }
    p += dictionaryBytes;
    const sizeBytes = contentSizeFlag ? 1 << contentSizeFlag : singleSegment;
    if (p + sizeBytes > bytes.length) throw new Error("zstd: a frame header runs past the batch");
    let contentSize = 0;
    for (let i = sizeBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + bytes[p + i]!;
    if (sizeBytes === 2) contentSize += 256;
    if (singleSegment) window = contentSize;
    if (contentSize > limit) throw new DecompressedSizeError("zstd", limit);
    if (window > windowLimit) throw new Error(`zstd: a frame's window of ${window} bytes is past the ${windowLimit} this reader takes`);
    p += sizeBytes;
    for (;;) {
      if (p + 3 > bytes.length) throw new Error("zstd: a block runs past the batch");
      const block = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
      p += 3;
      const type = (block >> 1) & 3;
      if (type === 3) throw new Error("zstd: reserved block type");
      p += type === 1 ? 1 : block >>> 3;
      if (block & 1) break;
    }
    if ((flags >> 2) & 1) p += 4;
    at = p;
  }
}
