import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { assertGgufFile } from "./model-files.js";
import { ModelLoadError } from "./errors/model-load-error.js";
import type { PromptMeasure } from "./context-plan.js";
import { measureOf, resolvePromptStyle } from "./engine.js";
import { validateEngineOptions, type EngineOptions } from "./options.js";

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

/** The context plan's measure of a model from its vocabulary alone (no weights, no context): for the CLI and the doctor. */
export async function loadContextMeasure(options: EngineOptions): Promise<PromptMeasure & { dispose(): Promise<void> }> {
  const resolved = validateEngineOptions(options);
  await assertGgufFile(resolved.modelPath);
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  let model;
  try {
    model = await llama.loadModel({ modelPath: resolved.modelPath, vocabOnly: true });
  } catch (error) {
    throw new ModelLoadError(resolved.modelPath, error instanceof Error ? error.message : String(error), error);
  }
  try {
    const { style, harmonyTokens } = resolvePromptStyle(model, resolved);
    return { ...measureOf(model, style, harmonyTokens !== undefined, resolved, resolved.contextSize), dispose: () => model.dispose() };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}
