import { access, open, readdir } from "node:fs/promises";
import path from "node:path";
import { ModelLoadError } from "./errors/model-load-error.js";

/** A part of a split GGUF as llama.cpp's gguf-split names it: `<name>-00001-of-00003.gguf`. */
const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;

/**
 * Every file a model path stands for: the path alone, or, for a split GGUF named by its first
 * part, each part in order (llama.cpp and node-llama-cpp load the others from beside the first).
 */
export function modelFileParts(modelPath: string): string[] {
  const match = SPLIT_PART.exec(modelPath);
  if (!match) return [modelPath];
  const parts = Number(match[2]);
  const stem = modelPath.slice(0, match.index);
  return Array.from({ length: parts }, (_, i) => `${stem}-${String(i + 1).padStart(5, "0")}-of-${String(parts).padStart(5, "0")}.gguf`);
}

/** For a missing `name.gguf`: the first part of a split `name-00001-of-0000N.gguf` beside it, if there is one. */
async function splitFirstPartBeside(modelPath: string): Promise<string | undefined> {
  if (SPLIT_PART.test(modelPath) || !/\.gguf$/i.test(modelPath)) return undefined;
  const stem = path.basename(modelPath).replace(/\.gguf$/i, "");
  try {
    const names = await readdir(path.dirname(modelPath));
    const first = names.find((n) => n.startsWith(`${stem}-00001-of-`) && SPLIT_PART.test(n));
    return first === undefined ? undefined : path.join(path.dirname(modelPath), first);
  } catch {
    return undefined;
  }
}

/**
 * Fails with the path in the message before llama.cpp gets a chance to crash on a bad file: the
 * file (every part of a split GGUF) exists, and the first starts with GGUF's magic.
 */
export async function assertGgufFile(modelPath: string): Promise<void> {
  let handle;
  try {
    handle = await open(modelPath, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw new ModelLoadError(modelPath, `cannot open (${code ?? String(error)})`, error);
    const split = await splitFirstPartBeside(modelPath);
    throw new ModelLoadError(
      modelPath,
      split === undefined
        ? "file not found (run `bash scripts/models.sh` for the test models)"
        : `file not found; a split GGUF is named by its first part: point the setting at ${split}`,
      error,
    );
  }
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    if (bytesRead < 4 || magic.toString("latin1") !== "GGUF") throw new ModelLoadError(modelPath, "not a GGUF file (bad magic)");
  } finally {
    await handle.close();
  }
  const parts = modelFileParts(modelPath);
  if (parts[0] !== modelPath)
    throw new ModelLoadError(modelPath, `is part ${SPLIT_PART.exec(modelPath)?.[1]} of a split GGUF: point the setting at the first part, ${parts[0]}`);
  for (const part of parts.slice(1)) {
    try {
      await access(part);
    } catch (error) {
      throw new ModelLoadError(modelPath, `split GGUF part ${path.basename(part)} is missing beside the first (${parts.length} parts)`, error);
    }
  }
}
