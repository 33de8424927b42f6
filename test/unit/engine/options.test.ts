import { DEFAULT_ANALYSIS_BUDGET, InvalidEngineOptionsError, validateEngineOptions } from "@arbiter/shared/engine/index.js";

const fieldOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEngineOptionsError) return error.field;
    throw error;
  }
  return undefined;
};

describe("validateEngineOptions", () => {
  it("fills documented defaults and derives the model id from the file name", () => {
    const resolved = validateEngineOptions({ modelPath: "/models/gpt-oss-safeguard-20b.Q4.gguf" });
    expect(resolved.modelId).toBe("gpt-oss-safeguard-20b.Q4");
    expect(resolved.threads).toBe(1);
    expect(resolved.sequences).toBe(1);
    expect(resolved.gpu).toBe("auto");
    expect(resolved.analysisBudget).toEqual(DEFAULT_ANALYSIS_BUDGET);
    expect(resolved.prefixReuse).toBe(true);
  });

  it("merges a partial effort budget over the defaults", () => {
    expect(validateEngineOptions({ modelPath: "m.gguf", analysisBudget: { high: 4096 } }).analysisBudget).toEqual({ low: 128, medium: 512, high: 4096 });
  });

  it.each([
    [{ modelPath: "" }, "modelPath"],
    [{ modelPath: "m.gguf", gpu: "metal" as never }, "gpu"],
    [{ modelPath: "m.gguf", threads: 0 }, "threads"],
    [{ modelPath: "m.gguf", sequences: 1.5 }, "sequences"],
    [{ modelPath: "m.gguf", gpuLayers: -1 }, "gpuLayers"],
    [{ modelPath: "m.gguf", promptFormat: "chatml" as never }, "promptFormat"],
    [{ modelPath: "m.gguf", analysisBudget: { low: 600 } }, "analysisBudget"],
    [{ modelPath: "m.gguf", analysisBudget: { extreme: 1 } as never }, "analysisBudget.extreme"],
    [{ modelPath: "m.gguf", contextsize: 2048 } as never, "contextsize"],
    [{ modelPath: "m.gguf", contextSize: 512, finalMaxTokens: 384 }, "contextSize"],
    [{ modelPath: "m.gguf", currentDate: "28/11/2026" }, "currentDate"],
    [{ modelPath: "m.gguf", multiPolicyMode: "all" as never }, "multiPolicyMode"],
  ])("rejects %j naming the field %s", (options, field) => {
    expect(fieldOf(() => validateEngineOptions(options))).toBe(field);
  });

  it("is not retriable: a bad setting stays bad", () => {
    expect(() => validateEngineOptions({ modelPath: "m.gguf", threads: -2 })).toThrow(
      expect.objectContaining({ retriable: false, code: "ENGINE_INVALID_OPTIONS" }),
    );
  });
});
