import avro from "avsc";
import { ConfluentPostDecoder, type PostFieldMap } from "@arbiter/shared/codec/confluent-post-decoder.js";
import { confluentFrame, confluentSchemaId } from "@arbiter/shared/codec/confluent-wire.js";
import { DecodeError } from "@arbiter/shared/codec/errors/decode-error.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import type { WriterSchemaNote } from "@arbiter/shared/codec/writer-schema-cache.js";
// The forum backend's own schema: other names, a nullable body, an extra field, its own record name.
import { forumFieldMap, forumPostSchema as forumPost } from "../../support/confluent.js";
import { thrown } from "../../support/thrown.js";

const postReader = ShippedSchemas.load().version("post");

function decoderOver(schemas: Record<number, object | WriterSchemaNote>, fieldMap: PostFieldMap = forumFieldMap) {
  const lookup = (id: number): WriterSchemaNote | undefined => {
    const s = schemas[id];
    if (s === undefined) return undefined;
    return "code" in s ? (s as WriterSchemaNote) : { id, schema: JSON.stringify(s) };
  };
  return new ConfluentPostDecoder(postReader, fieldMap, lookup, () => 42);
}

const encode = (schema: object, id: number, value: object) => confluentFrame(id, avro.Type.forSchema(schema as avro.Schema).toBuffer(value));

test("the wire format: magic byte 0, the schema id big-endian, then the body", () => {
  const framed = confluentFrame(0x01020304, Buffer.from([9, 9]));
  expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 9]);
  expect(confluentSchemaId(framed)).toBe(0x01020304);
  expect(confluentSchemaId(confluentFrame(2 ** 31 + 5, Buffer.alloc(0)))).toBe(2 ** 31 + 5);
  expect(confluentSchemaId(Buffer.from([1, 0, 0, 0, 1]))).toBeUndefined();
  expect(confluentSchemaId(Buffer.from([0, 0, 0]))).toBeUndefined();
  expect(confluentSchemaId(null)).toBeUndefined();
});

test("a producer's own schema is read through the field map; its extra field is ignored, absent Post fields take their defaults", () => {
  const decoder = decoderOver({ 7: forumPost });
  const post = decoder.decode(
    encode(forumPost, 7, { id: "p1", community: "games", authorId: "u1", body: "good game", createdAt: 1_700_000_000_000, likes: 3 }),
  );
  expect(post).toEqual({
    id: "p1",
    forumId: "games",
    authorId: "u1",
    text: "good game",
    language: null,
    createdAt: 1_700_000_000_000,
    metadata: {},
    threadId: null,
  });
});

test("a mapped name wins over a same-named field of the writer", () => {
  const schema = { ...forumPost, fields: [...forumPost.fields, { name: "text", type: "string" }] };
  const post = decoderOver({ 8: schema }).decode(
    encode(schema, 8, { id: "p1", community: "c", authorId: "u", body: "the body", createdAt: 1, likes: 0, text: "the other text" }),
  );
  expect(post.text).toBe("the body");
});

test("Arbiter's own Post schema in the wire format needs no map", () => {
  const schema = postReader.type.schema() as object;
  const value = { id: "p2", forumId: "f", authorId: "a", text: "hello", language: "en", createdAt: 5, metadata: { k: "v" }, threadId: "t" };
  expect(decoderOver({ 1: schema }, {}).decode(encode(schema, 1, value))).toEqual(value);
});

test("without forumId, authorId or createdAt the post reads as a JSON post does", () => {
  const minimal = {
    type: "record",
    name: "Minimal",
    fields: [
      { name: "id", type: "string" },
      { name: "text", type: "string" },
    ],
  };
  expect(decoderOver({ 3: minimal }, {}).decode(encode(minimal, 3, { id: "m", text: "hi" }))).toEqual({
    id: "m",
    forumId: "",
    authorId: "",
    text: "hi",
    language: null,
    createdAt: 42,
    metadata: {},
    threadId: null,
  });
});

test("a writer schema without a required field: a decode error naming the field (and the map when one was set)", () => {
  const noBody = { ...forumPost, fields: forumPost.fields.filter((f) => f.name !== "body") };
  const bytes = encode(noBody, 9, { id: "p", community: "c", authorId: "u", createdAt: 1, likes: 0 });
  const mapped = thrown(() => decoderOver({ 9: noBody }).decode(bytes), DecodeError);
  expect(mapped.code).toBe("INCOMPATIBLE_SCHEMA");
  expect(mapped.message).toMatch(/writer schema 9 \(com\.example\.forum\.ForumPost\) has no field "body" for Post\.text.*input\.fieldMap\.text/);
  const unmapped = thrown(() => decoderOver({ 9: noBody }, { forumId: "community" }).decode(bytes), DecodeError);
  expect(unmapped.message).toMatch(/no field "text" for Post\.text, which is required; if the producer names it otherwise, map it with input\.fieldMap\.text/);
});

test("a field whose type cannot be read as its Post field: a decode error naming both", () => {
  const numericId = { ...forumPost, fields: forumPost.fields.map((f) => (f.name === "id" ? { name: "id", type: "long" } : f)) };
  const error = thrown(
    () => decoderOver({ 4: numericId }).decode(encode(numericId, 4, { id: 12, community: "c", authorId: "u", body: "b", createdAt: 1, likes: 0 })),
    DecodeError,
  );
  expect(error.code).toBe("INCOMPATIBLE_SCHEMA");
  expect(error.message).toMatch(/field "id" \("long"\) cannot be read as Post\.id/);
});

test("a null body reads as a post without text (validation dead-letters it), not as a decode failure of the schema", () => {
  const post = decoderOver({ 7: forumPost }).decode(encode(forumPost, 7, { id: "p", community: "c", authorId: "u", body: null, createdAt: 1, likes: 0 }));
  expect(post.text).toBeNull();
});

test("unframed bytes, an id without a schema, a non-Avro schema and truncated bytes are typed decode errors", () => {
  const decoder = decoderOver({
    7: forumPost,
    5: { id: 5, code: "UNKNOWN_SCHEMA_ID", reason: "the schema registry has no schema with id 5" },
    6: { id: 6, code: "INCOMPATIBLE_SCHEMA", reason: "writer schema 6 is a PROTOBUF schema, not Avro" },
  });
  expect(thrown(() => decoder.decode(Buffer.from('{"id":"x"}')), DecodeError).message).toMatch(/not in the Confluent wire format.*first byte 0x7b/);
  expect(thrown(() => decoder.decode(confluentFrame(5, Buffer.from([2, 65]))), DecodeError).code).toBe("UNKNOWN_SCHEMA_ID");
  expect(thrown(() => decoder.decode(confluentFrame(6, Buffer.from([2, 65]))), DecodeError).message).toMatch(/PROTOBUF/);
  expect(thrown(() => decoder.decode(confluentFrame(99, Buffer.from([2, 65]))), DecodeError).code).toBe("UNKNOWN_SCHEMA_ID");
  const whole = encode(forumPost, 7, { id: "p", community: "c", authorId: "u", body: "b", createdAt: 1, likes: 0 });
  expect(thrown(() => decoder.decode(whole.subarray(0, whole.length - 3)), DecodeError).code).toBe("MALFORMED");
});

test("an id unknown at first is looked up again, so a schema registered later is read", () => {
  const notes = new Map<number, WriterSchemaNote>([[11, { id: 11, code: "UNKNOWN_SCHEMA_ID", reason: "not yet" }]]);
  const decoder = new ConfluentPostDecoder(postReader, forumFieldMap, (id) => notes.get(id));
  const bytes = encode(forumPost, 11, { id: "p", community: "c", authorId: "u", body: "later", createdAt: 1, likes: 0 });
  expect(thrown(() => decoder.decode(bytes), DecodeError).code).toBe("UNKNOWN_SCHEMA_ID");
  notes.set(11, { id: 11, schema: JSON.stringify(forumPost) });
  expect(decoder.decode(bytes).text).toBe("later");
});
