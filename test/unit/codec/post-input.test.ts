import { thrown } from "../../support/thrown.js";
import { DecodeError } from "@arbiter/shared/codec/errors/decode-error.js";
import { FINGERPRINT_HEADER } from "@arbiter/shared/codec/shipped-schemas.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { readPost } from "@arbiter/shared/codec/post-input.js";

const codecs = createCodecs();
const record = (value: Buffer | null, headers: InboundRecord["headers"] = {}): InboundRecord => ({
  topic: "posts",
  partition: 0,
  offset: "7",
  key: null,
  value,
  headers,
});
const json = (o: unknown) => record(Buffer.from(JSON.stringify(o)));

const codeOf = (fn: () => unknown): string => thrown(fn, DecodeError).code;

test("JSON posts: optional fields default, ISO dates parse, metadata values become strings", () => {
  const p = readPost(json({ id: "p1", text: "hi", createdAt: "2026-01-02T03:04:05Z", metadata: { n: 3 } }), "json", 1024, codecs.post);
  expect(p).toMatchObject({
    id: "p1",
    text: "hi",
    forumId: "",
    authorId: "",
    language: null,
    createdAt: Date.parse("2026-01-02T03:04:05Z"),
    metadata: { n: "3" },
  });
});

test.each([
  ["not JSON", record(Buffer.from("{nope")), "MALFORMED"],
  ["an array", json([1]), "INVALID_RECORD"],
  ["no id", json({ text: "x" }), "INVALID_RECORD"],
  ["no text", json({ id: "a" }), "INVALID_RECORD"],
  ["blank text", json({ id: "a", text: "   " }), "INVALID_RECORD"],
  ["a lone surrogate", json({ id: "a", text: "x\ud800y" }), "INVALID_RECORD"],
  ["a bad date", json({ id: "a", text: "x", createdAt: "soon" }), "INVALID_RECORD"],
  ["a numeric forum", json({ id: "a", text: "x", forumId: 5 }), "INVALID_RECORD"],
  ["no value", record(null), "MALFORMED"],
])("a JSON post with %s is rejected", (_name, rec, code) => {
  expect(codeOf(() => readPost(rec, "json", 1024, codecs.post))).toBe(code);
});

test("a record over maxRecordBytes is OVERSIZED whatever its format", () => {
  expect(codeOf(() => readPost(json({ id: "a", text: "x".repeat(200) }), "json", 100, codecs.post))).toBe("OVERSIZED");
});

test("Avro text with an encoded surrogate is rejected, a real U+FFFD is kept", () => {
  const base = { id: "a", forumId: "f", authorId: "u", language: null, createdAt: 1, metadata: {}, threadId: null };
  const ok = codecs.post.encode({ ...base, text: "replacement \uFFFD char" });
  expect(readPost(record(ok.value, ok.headers), "avro", 4096, codecs.post).text).toBe("replacement \uFFFD char");
  const bad = codecs.post.encode({ ...base, text: "before XQZ after" });
  Buffer.from([0xed, 0xa0, 0x80]).copy(bad.value, bad.value.indexOf("XQZ"));
  expect(codeOf(() => readPost(record(bad.value, bad.headers), "avro", 4096, codecs.post))).toBe("INVALID_RECORD");
  expect(codeOf(() => readPost(record(ok.value, { [FINGERPRINT_HEADER]: "00" }), "avro", 4096, codecs.post))).toBe("UNKNOWN_FINGERPRINT");
});
