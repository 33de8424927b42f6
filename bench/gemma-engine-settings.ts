import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

/** Engine settings for the small real model as the benches run it: Gemma 3 270M on CPU, 2 sequences, one thread. */
export function gemmaEngineSettings(rationaleMaxChars: number) {
  return {
    modelPath: resolveFromRoot("models/gemma-3-270m-q4_k_m.gguf"),
    modelId: "gemma-3-270m",
    gpu: false as const,
    threads: 1,
    sequences: 2,
    contextSize: 2048,
    rationaleMaxChars,
  };
}
