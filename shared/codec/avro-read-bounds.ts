import { createRequire } from "node:module";

/**
 * avsc reads an array's or a map's block count and then loops that many times, checking only at
 * the end that it stayed inside the buffer. So a record of a few bytes that claims 2^40 map entries
 * spins for hours on one thread (the hostile-input property test found one, cut from a post's
 * metadata map). Each map entry, and each array item of any type but null, starts with a varint
 * read, so refusing the first varint read past the end of the buffer bounds the work by the
 * record's length. avsc has no option or hook for this, so its reader is patched here, once per
 * process, by every module that decodes Avro (`shipped-schemas.ts`, `confluent-post-decoder.ts`).
 * The error becomes the caller's `DecodeError` MALFORMED, as avsc's own "truncated buffer" does.
 */
interface TapLike {
  buf: Buffer;
  pos: number;
  readLong(): number;
  readInt(): number;
}

const require = createRequire(import.meta.url);
const { Tap } = require("avsc/lib/utils") as { Tap: { prototype: TapLike & { arbiterBounded?: true } } };

if (!Tap.prototype.arbiterBounded) {
  const readLong = Tap.prototype.readLong;
  const bounded = function (this: TapLike): number {
    if (this.pos >= this.buf.length) throw new RangeError(`Avro read past the end of a ${this.buf.length}-byte record`);
    return readLong.call(this);
  };
  Tap.prototype.readLong = bounded;
  Tap.prototype.readInt = bounded;
  Tap.prototype.arbiterBounded = true;
}
