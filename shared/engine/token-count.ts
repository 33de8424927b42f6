import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { assertGgufFile } from "./engine.js";
import { ModelLoadError } from "./errors/model-load-error.js";

/** Counts tokens as a model's tokenizer splits text (its vocabulary only: no weights, no context). */
export interface TokenCounter {
  count(text: string): number;
  dispose(): Promise<void>;
}

/** Loads the vocabulary of a GGUF model; fails with a {@link ModelLoadError} naming the file. */
export async function loadTokenCounter(modelPath: string): Promise<TokenCounter> {
  await assertGgufFile(modelPath);
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  let model;
  try {
    model = await llama.loadModel({ modelPath, vocabOnly: true });
  } catch (error) {
    throw new ModelLoadError(modelPath, error instanceof Error ? error.message : String(error), error);
  }
  return {
    // Text, not markup: a policy that spells a special token is read as text, as the engine reads it.
    count: (text) => model.tokenize(text, false).length,
    dispose: () => model.dispose(),
  };
}
