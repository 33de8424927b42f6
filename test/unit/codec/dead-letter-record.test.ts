import { createHash } from "node:crypto";
import { CUT_HEADER_PREFIX, DEAD_LETTER_MAX_BYTES, deadLetterRecord, recordBytes } from "@arbiter/shared/codec/dead-letter-record.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";

const codecs = createCodecs();
const { topics } = loadConfig({}, {}).kafka;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const letterOf = (record: InboundRecord, maxDeadLetterBytes?: number) => {
  const out = deadLetterRecord({ codecs, topics, maxDeadLetterBytes }, record, new Error("bad post"), "decode", 0);
  return { out, letter: codecs.deadLetter.decode(out.value, out.headers) };
};
const noteOf = (headers: Record<string, Buffer>, name: string) =>
  JSON.parse(headers[`${CUT_HEADER_PREFIX}${name}`]!.toString()) as { length: number; sha256: string };

test("a small record's dead letter carries its value and headers whole, with no cut notes", () => {
  const record: InboundRecord = {
    topic: "posts",
    partition: 1,
    offset: "7",
    key: Buffer.from("p1"),
    value: Buffer.from("{}"),
    headers: { trace: Buffer.from("abc") },
  };
  const { letter } = letterOf(record);
  expect(letter.value).toEqual(Buffer.from("{}"));
  expect(letter.headers).toEqual({ trace: Buffer.from("abc") });
});

test("a 600 KB header and a 1.2 MB value are cut to fit, each keeping its length and SHA-256", () => {
  const header = Buffer.alloc(600_000, "h");
  const value = Buffer.alloc(1_200_000, "v");
  const key = Buffer.alloc(5000, "k");
  const record: InboundRecord = { topic: "posts", partition: 0, offset: "3", key, value, headers: { big: header, small: Buffer.from("s") } };
  const { out, letter } = letterOf(record);
  expect(recordBytes(out)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
  expect(letter.headers.big!.length).toBe(1024);
  expect(letter.headers.small).toEqual(Buffer.from("s"));
  expect(noteOf(letter.headers, "header.big")).toEqual({ length: 600_000, sha256: sha(header) });
  expect(noteOf(letter.headers, "value")).toEqual({ length: 1_200_000, sha256: sha(value) });
  expect(noteOf(letter.headers, "key")).toEqual({ length: 5000, sha256: sha(key) });
  // What is kept of the value is its start, as much as fits.
  expect(letter.value!.length).toBeGreaterThan(900_000);
  expect(value.subarray(0, letter.value!.length).equals(letter.value!)).toBe(true);
  expect(letter.offset).toBe("3");
});

test("a smaller limit (a dead-letter topic set lower) is kept too; many and long-named headers are bounded", () => {
  const headers: InboundRecord["headers"] = {};
  for (let i = 0; i < 300; i++) headers[`h${i}`] = Buffer.alloc(2000, i);
  const longName = "n".repeat(10_000);
  headers[longName] = Buffer.from("x");
  const record: InboundRecord = { topic: "posts", partition: 0, offset: "4", key: null, value: Buffer.alloc(200_000), headers };
  const { out, letter } = letterOf(record, 150_000);
  expect(recordBytes(out)).toBeLessThanOrEqual(150_000);
  expect(Object.keys(letter.headers).filter((k) => !k.startsWith(CUT_HEADER_PREFIX))).toHaveLength(100);
  expect(JSON.parse(letter.headers[`${CUT_HEADER_PREFIX}headers`]!.toString())).toMatchObject({ dropped: 201 });
});
