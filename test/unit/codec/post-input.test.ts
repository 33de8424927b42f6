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

const messageOf = (rec: InboundRecord, format: "json" | "avro" = "json"): string =>
  thrown(() => readPost(rec, format, 1 << 20, codecs.post), DecodeError).message;
const ok = { id: "a", text: "x", createdAt: 1_700_000_000_000 };

test.each([
  ["createdAt 1.5 (not an integer)", { ...ok, createdAt: 1.5 }, "createdAt"],
  ["a negative createdAt", { ...ok, createdAt: -1 }, "createdAt"],
  ["a createdAt past the last Date", { ...ok, createdAt: 8_640_000_000_000_001 }, "createdAt"],
  ["a createdAt beyond 2^53", { ...ok, createdAt: 2 ** 60 }, "createdAt"],
  ["a boolean createdAt", { ...ok, createdAt: true }, "createdAt"],
  ["a numeric id", { ...ok, id: 7 }, "id"],
  ["an id of 513 characters", { ...ok, id: "i".repeat(513) }, "id"],
  ["an id with a lone surrogate", { ...ok, id: "a\udc00" }, "id"],
  ["an author that is an object", { ...ok, authorId: { x: 1 } }, "authorId"],
  ["a language of 65 characters", { ...ok, language: "l".repeat(65) }, "language"],
  ["a numeric threadId", { ...ok, threadId: 3 }, "threadId"],
  ["a forum with a lone surrogate", { ...ok, forumId: "\ud800" }, "forumId"],
  ["metadata as an array", { ...ok, metadata: ["a"] }, "metadata"],
  ["a metadata value that is an object", { ...ok, metadata: { site: { nested: true } } }, "metadata.site"],
  ["a metadata value that is null", { ...ok, metadata: { site: null } }, "metadata.site"],
])("a JSON post with %s is INVALID_RECORD naming the field", (_name, body, field) => {
  const rec = json(body);
  expect(codeOf(() => readPost(rec, "json", 1 << 20, codecs.post))).toBe("INVALID_RECORD");
  expect(messageOf(rec)).toContain(`"${field}"`);
});

test("an Avro post is held to the same fields: a negative createdAt names the field", () => {
  const encoded = codecs.post.encode({ id: "a", forumId: "f", authorId: "u", text: "x", language: null, createdAt: -5, metadata: {}, threadId: null });
  expect(messageOf(record(encoded.value, encoded.headers), "avro")).toContain('"createdAt"');
});

test("a post that passes validation at the edges of every range encodes", () => {
  for (const createdAt of [0, 8_640_000_000_000_000]) {
    const p = readPost(json({ ...ok, id: "i".repeat(512), language: "l".repeat(64), createdAt }), "json", 1 << 20, codecs.post);
    expect(p.createdAt).toBe(createdAt);
    expect(() => codecs.post.encode({ ...p, threadId: p.threadId ?? null })).not.toThrow();
  }
});

test("a JSON syntax error does not quote the record in its message", () => {
  const message = messageOf(record(Buffer.from('{"id":"a","text":"secret words here" oops}')));
  expect(message).toMatch(/^not JSON: a syntax error/);
  expect(message).not.toContain("secret");
});
