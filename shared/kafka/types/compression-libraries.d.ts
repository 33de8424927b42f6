// Types for the two codec libraries that ship none (pure JavaScript, CommonJS).

declare module "lz4js" {
  const lz4: {
    /** Decompresses one LZ4 block of `src` (from `sIndex`, `sLength` bytes) into `dst` from `dIndex`; returns the end index, counting writes past `dst` (which are dropped). */
    decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
    /** Compresses to one LZ4 frame. */
    compress(src: Uint8Array, maxSize?: number): Uint8Array;
  };
  export default lz4;
}

declare module "snappyjs" {
  const snappy: {
    /** Decompresses one raw snappy block; throws when its declared length exceeds `maxLength`. */
    uncompress<T extends Uint8Array>(compressed: T, maxLength?: number): T;
    compress<T extends Uint8Array>(uncompressed: T): T;
  };
  export default snappy;
}
