import avro from "avsc";
import { DecodeError } from "@arbiter/shared/codec/errors/decode-error.js";
import { RecordCodec } from "@arbiter/shared/codec/record-codec.js";
import type { Post } from "@arbiter/shared/codec/records.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { thrown } from "../../support/thrown.js";

/** Avro's zig-zag varint of a non-negative count. */
function varint(n: number): Buffer {
  const bytes: number[] = [];
  let z = n * 2;
  while (z >= 0x80) {
    bytes.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  bytes.push(z);
  return Buffer.from(bytes);
}

test("a map that claims 2^40 entries in a few bytes is refused at once, not looped over", () => {
  const type = avro.Type.forSchema({ type: "map", values: "string" });
  const started = performance.now();
  expect(() => type.fromBuffer(varint(2 ** 40))).toThrow(/past the end/);
  expect(performance.now() - started).toBeLessThan(100);
});

test("a post whose metadata map claims 2^40 entries is a MALFORMED DecodeError within milliseconds", () => {
  const codec = new RecordCodec(ShippedSchemas.load(), "post");
  const post: Post = { id: "p", forumId: "f", authorId: "a", text: "hi", language: null, createdAt: 1, metadata: {}, threadId: null };
  const { value, headers } = codec.encode(post);
  // The empty map is one 0x00 byte; encode the post with a marker value to find where its block count sits.
  const marked = codec.encode({ ...post, metadata: { k: "v" } }).value;
  const at = marked.indexOf(Buffer.from([0x02, 0x02, 0x6b])); // count 1, key length 1, "k"
  expect(at).toBeGreaterThan(0);
  expect(value[at]).toBe(0x00);
  const hostile = Buffer.concat([value.subarray(0, at), varint(2 ** 40), value.subarray(at + 1)]);
  const started = performance.now();
  const error = thrown(() => codec.decode(hostile, headers), DecodeError);
  expect(performance.now() - started).toBeLessThan(100);
  expect(error.code).toBe("MALFORMED");
  // And a well-formed post still reads.
  expect(codec.decode(value, headers)).toMatchObject({ id: "p", metadata: {} });
});
