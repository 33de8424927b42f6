import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import path from "node:path";

/** Bytes read from each end of the model file. */
const SAMPLE_BYTES = 1 << 20;

/** `name-00001-of-00003.gguf`: the first part of a split GGUF, as llama.cpp's gguf-split names it. */
const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/**
 * Who answers, for the verdict cache: the model file's total size (every part of a split GGUF)
 * and a SHA-256 over its first and last MiB (the GGUF header with its metadata and tokenizer,
 * and tensor data). Cheap on a 60 GB file, where a digest of the whole would take minutes at
 * start; the same across replicas that downloaded the same file (no name, no mtime), and
 * different for another model, another quantisation or another fine-tune.
 */
export async function modelFileIdentity(modelPath: string): Promise<string> {
  const parts = [modelPath];
  const split = SPLIT_PART.exec(path.basename(modelPath));
  if (split) {
    const count = Number(split[3]);
    const width = split[2]!.length;
    parts.length = 0;
    for (let i = 1; i <= count; i++) parts.push(path.join(path.dirname(modelPath), `${split[1]}-${String(i).padStart(width, "0")}-of-${split[3]}.gguf`));
  }
  const hash = createHash("sha256");
  let total = 0;
  for (const part of parts) {
    const { size } = await stat(part);
    total += size;
    const file = await open(part, "r");
    try {
      const head = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
      await file.read(head, 0, head.length, 0);
      const tailLength = Math.min(SAMPLE_BYTES, size);
      const tail = Buffer.alloc(tailLength);
      await file.read(tail, 0, tailLength, size - tailLength);
      hash.update(`${size}\n`).update(head).update(tail);
    } finally {
      await file.close();
    }
  }
  return `gguf:${total}:${hash.digest("hex").slice(0, 32)}`;
}
