import { LlamaCompletion, getLlama, type Llama } from "node-llama-cpp";
import { modelPath, testModels } from "../../support/env.js";

let llama: Llama;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never" });
});
afterAll(async () => {
  await llama.dispose();
});

const schema = {
  type: "object",
  properties: { decision: { enum: ["violate", "allow"] } },
  required: ["decision"],
} as const;

test.each([testModels.tinyLlama, testModels.gemma, testModels.harmonyTiny])(
  "%s generates 10 tokens under a JSON-schema grammar",
  async (file) => {
    const model = await llama.loadModel({ modelPath: modelPath(file) });
    const context = await model.createContext({ contextSize: 512, threads: 1 });
    try {
      const grammar = await llama.createGrammarForJsonSchema(schema);
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const text = await completion.generateCompletion("Moderation verdict as JSON: ", { grammar, maxTokens: 10 });
      const tokens = model.tokenize(text);
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.length).toBeLessThanOrEqual(10);
      // The grammar allows nothing but a prefix of one of the two valid documents.
      const compact = text.replace(/\s+/g, "");
      const valid = ['{"decision":"violate"}', '{"decision":"allow"}'];
      expect(compact.length).toBeGreaterThan(0);
      expect(valid.some((doc) => doc.startsWith(compact))).toBe(true);
      if (valid.includes(compact)) expect(["violate", "allow"]).toContain(grammar.parse(text).decision);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  },
  60_000,
);
