// The wire between the main thread and a screen thread: a chunk of records, and what the thread
// made of them, each packed into one byte buffer that is transferred (moved, not copied) plus a
// few small tables. Structured clone of per-record objects cost ~4-5 µs per record on the main
// thread (see BENCHMARKS.md, Pipeline); this costs well under 1 µs.
import type { HeaderValue, Headers } from "../kafka/consumed-record.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { ScreenResult } from "./post-screen.js";

const NULL = -1;
/** An outbound key that is the inbound record's key, byte for byte: the main thread reuses its Buffer. */
const SAME_KEY = -2;
const utf8 = new TextEncoder();

/** A growable byte buffer with its own ArrayBuffer (never Node's shared pool: it is transferred). */
class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
  }

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Appends bytes, or a string as UTF-8; returns the byte length written. */
  write(value: Uint8Array | string): number {
    if (typeof value !== "string") {
      this.reserve(value.length);
      this.bytes.set(value, this.length);
      this.length += value.length;
      return value.length;
    }
    this.reserve(value.length * 3);
    const { written } = utf8.encodeInto(value, this.bytes.subarray(this.length));
    this.length += written;
    return written;
  }

  /** Whether the last `n` bytes written equal `other`; if so they are taken back. */
  takeBackIfEqual(n: number, other: Uint8Array): boolean {
    if (n !== other.length) return false;
    const from = this.length - n;
    for (let i = 0; i < n; i++) if (this.bytes[from + i] !== other[i]) return false;
    this.length = from;
    return true;
  }

  /** The bytes written; their ArrayBuffer is the one to transfer. */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Reads back what a ByteWriter wrote, in order, as Buffers that share the transferred memory. */
class ByteReader {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  buffer(length: number): Buffer | null {
    if (length === NULL) return null;
    const b = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.position, length);
    this.position += length;
    return b;
  }
}

/** Int32 layout numbers, growable. */
class Layout {
  values: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.values = new Int32Array(Math.max(16, capacity));
  }

  push(n: number): void {
    if (this.length === this.values.length) {
      const next = new Int32Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = n;
  }

  finish(): Int32Array {
    return this.values.subarray(0, this.length);
  }
}

/** Interns strings into a table, so each distinct one crosses once. */
class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.strings.push(s) - 1));
    return i;
  }
}

function writeNullable(bytes: ByteWriter, value: Uint8Array | string | null): number {
  return value === null ? NULL : bytes.write(value);
}

// ---------------------------------------------------------------------------------------------
// Records in: main thread -> screen thread.

/** A chunk of consumed records of one topic-partition, packed. */
export interface PackedRecords {
  topic: string;
  partition: number;
  /** As numbers when all are below 2^53 (cheaper to post than 500 strings), else as strings. */
  offsets: Float64Array | string[];
  /** Keys, values and header values, back to back. */
  bytes: Uint8Array;
  /** Per record: key length, value length, header count, then per header its name (index into `headerNames`) and value length (-1 = null). */
  layout: Int32Array;
  headerNames: string[];
}

/** Packs a chunk (one topic-partition, as a kafkajs batch is); the second item lists what to transfer. */
export function packRecords(records: readonly InboundRecord[]): [PackedRecords, ArrayBuffer[]] {
  let size = 0;
  for (const r of records) size += (r.key?.length ?? 0) + (r.value?.length ?? 0) + 96;
  const bytes = new ByteWriter(size);
  const layout = new Layout(records.length * 5);
  let offsets: Float64Array | string[] = new Float64Array(records.length);
  const headerNames = new StringTable();
  records.forEach((r, i) => {
    if (r.topic !== records[0]!.topic || r.partition !== records[0]!.partition) throw new Error("packRecords: a chunk must come from one topic-partition");
    if (offsets instanceof Float64Array) {
      const n = Number(r.offset);
      if (Number.isSafeInteger(n)) offsets[i] = n;
      else offsets = records.map((x) => x.offset);
    }
    layout.push(writeNullable(bytes, r.key));
    layout.push(writeNullable(bytes, r.value));
    const countAt = layout.length;
    layout.push(0);
    let count = 0;
    for (const name in r.headers) {
      const value: HeaderValue = r.headers[name];
      if (value === undefined) continue;
      const nameIndex = headerNames.of(name);
      if (!Array.isArray(value)) {
        layout.push(nameIndex);
        layout.push(writeNullable(bytes, value));
        count++;
        continue;
      }
      for (const v of value) {
        layout.push(nameIndex);
        layout.push(writeNullable(bytes, v));
        count++;
      }
    }
    layout.values[countAt] = count;
  });
  const packed: PackedRecords = {
    topic: records[0]?.topic ?? "",
    partition: records[0]?.partition ?? 0,
    offsets,
    bytes: bytes.finish(),
    layout: layout.finish(),
    headerNames: headerNames.strings,
  };
  const transfer = [packed.bytes.buffer as ArrayBuffer, packed.layout.buffer as ArrayBuffer];
  if (offsets instanceof Float64Array) transfer.push(offsets.buffer as ArrayBuffer);
  return [packed, transfer];
}

/** The records again, with Buffers over the transferred bytes; a repeated header name gives an array. */
export function unpackRecords(packed: PackedRecords): InboundRecord[] {
  const read = new ByteReader(packed.bytes);
  const { layout } = packed;
  let at = 0;
  const offsets = packed.offsets;
  return Array.from({ length: offsets.length }, (_, i) => {
    const offset = String(offsets[i]);
    const key = read.buffer(layout[at++]!);
    const value = read.buffer(layout[at++]!);
    // No prototype: a header may be called "__proto__".
    const headers: Headers = Object.create(null) as Headers;
    for (let count = layout[at++]!; count > 0; count--) {
      const name = packed.headerNames[layout[at++]!]!;
      const v = read.buffer(layout[at++]!);
      const seen = headers[name];
      headers[name] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
    }
    return { topic: packed.topic, partition: packed.partition, offset, key, value, headers };
  });
}

// ---------------------------------------------------------------------------------------------
// Results out: screen thread -> main thread.

const KIND_DECIDED = 0;
const KIND_DEAD_LETTER = 1;
const KIND_TO_MODEL = 2;

/** What a screen thread made of a chunk, packed. */
export interface PackedResults {
  /** Outbound keys and values, back to back. */
  bytes: Uint8Array;
  /**
   * Per input record: kind, then for decided and dead-letter results the number of outbound
   * records and per record: topic, key length (-1 = null), value length, header set (indexes into `strings`).
   */
  layout: Int32Array;
  /** Topics, header sets (JSON), stages and actions: few distinct values, each sent once. */
  strings: string[];
  /** Per decided result: stage and action; per dead letter: reason, error class, message (indexes into `strings` / `details`). */
  details: string[];
  /** The few results bound for the model, as they are (structured clone), by input index. */
  toModel: Array<[number, Extract<ScreenResult, { kind: "to-model" }>]>;
}

/** `inbound`: the records screened (same order); an outbound key equal to its record's key is not sent again. */
export function packResults(results: readonly ScreenResult[], inbound: readonly InboundRecord[]): [PackedResults, ArrayBuffer[]] {
  const bytes = new ByteWriter(results.length * 192);
  const layout = new Layout(results.length * 6);
  const table = new StringTable();
  const headerSets = new Map<OutboundRecord["headers"], number>();
  const details: string[] = [];
  const toModel: PackedResults["toModel"] = [];
  results.forEach((result, i) => {
    if (result.kind === "to-model") {
      layout.push(KIND_TO_MODEL);
      toModel.push([i, result]);
      return;
    }
    if (result.kind === "decided") {
      layout.push(KIND_DECIDED);
      layout.push(table.of(result.stage));
      layout.push(table.of(result.action));
    } else {
      layout.push(KIND_DEAD_LETTER);
      details.push(result.reason, result.errorClass, result.message);
    }
    layout.push(result.records.length);
    const inboundKey = inbound[i]?.key ?? null;
    for (const r of result.records) {
      layout.push(table.of(r.topic));
      const keyLength = writeNullable(bytes, r.key);
      layout.push(keyLength > 0 && inboundKey !== null && bytes.takeBackIfEqual(keyLength, inboundKey) ? SAME_KEY : keyLength);
      layout.push(bytes.write(r.value));
      // Codecs hand out one headers object per writer schema: look it up by identity first.
      let set = headerSets.get(r.headers);
      if (set === undefined) {
        set = table.of(
          JSON.stringify(Object.entries(r.headers).map(([name, v]) => [name, typeof v === "string" ? v : v.toString("base64"), typeof v === "string"])),
        );
        headerSets.set(r.headers, set);
      }
      layout.push(set);
    }
  });
  const packed: PackedResults = { bytes: bytes.finish(), layout: layout.finish(), strings: table.strings, details, toModel };
  return [packed, [packed.bytes.buffer as ArrayBuffer, packed.layout.buffer as ArrayBuffer]];
}

/**
 * The results again, for the records screened (`inbound`, same order). Outbound keys and
 * values are Buffers over the transferred bytes (or the inbound record's key); records
 * with the same headers share one frozen headers object whose values are Buffers (so kafkajs
 * encodes nothing per record).
 */
export function unpackResults(packed: PackedResults, inbound: readonly InboundRecord[]): ScreenResult[] {
  const read = new ByteReader(packed.bytes);
  const { layout, strings, details } = packed;
  const headerSets = new Map<number, Record<string, Buffer>>();
  const headersAt = (i: number): Record<string, Buffer> => {
    let headers = headerSets.get(i);
    if (headers === undefined) {
      const entries = JSON.parse(strings[i]!) as Array<[string, string, boolean]>;
      headers = Object.freeze(Object.fromEntries(entries.map(([name, v, text]) => [name, text ? Buffer.from(v, "utf8") : Buffer.from(v, "base64")])));
      headerSets.set(i, headers);
    }
    return headers;
  };
  const toModel = new Map(packed.toModel);
  const results: ScreenResult[] = [];
  let at = 0;
  let detail = 0;
  while (at < layout.length) {
    const kind = layout[at++]!;
    if (kind === KIND_TO_MODEL) {
      const result = toModel.get(results.length);
      if (!result) throw new Error(`screen wire: no model-bound result for record ${results.length}`);
      results.push(result);
      continue;
    }
    const stage = kind === KIND_DECIDED ? strings[layout[at++]!]! : "";
    const action = kind === KIND_DECIDED ? strings[layout[at++]!]! : "";
    const records: OutboundRecord[] = [];
    for (let n = layout[at++]!; n > 0; n--) {
      const topic = strings[layout[at++]!]!;
      const keyLength = layout[at++]!;
      const key = keyLength === SAME_KEY ? inbound[results.length]!.key : read.buffer(keyLength);
      const value = read.buffer(layout[at++]!)!;
      records.push({ topic, key, value, headers: headersAt(layout[at++]!) });
    }
    if (kind === KIND_DECIDED) {
      results.push({ kind: "decided", records, stage, action });
    } else {
      results.push({ kind: "dead-letter", records, reason: details[detail]!, errorClass: details[detail + 1]!, message: details[detail + 2]! });
      detail += 3;
    }
  }
  return results;
}
