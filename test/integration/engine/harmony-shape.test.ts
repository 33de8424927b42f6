// The gpt-oss-20b stand-in (scripts/make-harmony-model.py --shape gpt-oss-20b) against the real
// model's published config (openai/gpt-oss-20b config.json), field by field: its metadata from the
// vocabulary-only file scripts/models.sh writes, its tensors from the script's --plan (the full
// file is ~14 GB; gpu-check.sh writes it where there is room).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { modelPath, repoRoot, testModels } from "../../support/env.js";

// openai/gpt-oss-20b config.json (as published on Hugging Face), the fields a GGUF carries.
const PUBLISHED = {
  hidden_size: 2880,
  num_hidden_layers: 24,
  intermediate_size: 2880,
  num_local_experts: 32,
  experts_per_token: 4,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  head_dim: 64,
  sliding_window: 128,
  max_position_embeddings: 131072,
  initial_context_length: 4096,
  rope_theta: 150000,
  rope_scaling: { rope_type: "yarn", factor: 32.0 },
  rms_norm_eps: 1e-5,
  vocab_size: 201088,
};

const script = path.join(repoRoot, "scripts/make-harmony-model.py");

test("its metadata is gpt-oss-20b's, field by field", async () => {
  const info = await readGgufFileInfo(modelPath(testModels.gptOss20bVocab), { readTensorInfo: false });
  const m = info.metadata as unknown as { general: { architecture: string }; "gpt-oss": Record<string, unknown>; tokenizer: { ggml: Record<string, unknown> } };
  expect(m.general.architecture).toBe("gpt-oss");
  const arch = m["gpt-oss"];
  const rope = arch.rope as Record<string, unknown> & { scaling: Record<string, unknown> };
  const attention = arch.attention as Record<string, unknown>;
  expect({
    hidden_size: arch.embedding_length,
    num_hidden_layers: arch.block_count,
    intermediate_size: arch.expert_feed_forward_length,
    num_local_experts: arch.expert_count,
    experts_per_token: arch.expert_used_count,
    num_attention_heads: attention.head_count,
    num_key_value_heads: attention.head_count_kv,
    head_dim: attention.key_length,
    sliding_window: attention.sliding_window,
    max_position_embeddings: arch.context_length,
    initial_context_length: rope.scaling.original_context_length,
    rope_theta: rope.freq_base,
    rope_scaling: { rope_type: rope.scaling.type, factor: rope.scaling.factor },
    rms_norm_eps: Number((attention.layer_norm_rms_epsilon as number).toPrecision(6)),
    vocab_size: (m.tokenizer.ggml.tokens as string[]).length,
  }).toEqual(PUBLISHED);
  expect(attention.value_length).toBe(PUBLISHED.head_dim);
  // o200k_harmony: byte-level BPE with o200k's pre-tokenizer and harmony's special tokens at their ids.
  const tokens = m.tokenizer.ggml.tokens as string[];
  expect(m.tokenizer.ggml.model).toBe("gpt2");
  expect(m.tokenizer.ggml.pre).toBe("gpt-4o");
  expect([199998, 199999, 200002, 200003, 200005, 200006, 200007, 200008, 200012, 200018].map((id) => tokens[id])).toEqual([
    "<|startoftext|>",
    "<|endoftext|>",
    "<|return|>",
    "<|constrain|>",
    "<|channel|>",
    "<|start|>",
    "<|end|>",
    "<|message|>",
    "<|call|>",
    "<|endofprompt|>",
  ]);
  expect(m.tokenizer.ggml.eos_token_id).toBe(200002);
  expect((m.tokenizer.ggml.merges as string[]).length).toBeGreaterThan(199_000);
});

test("its tensors are gpt-oss-20b's: MXFP4 experts of 32 × 2880 × 2880, attention 64 × 64 queries and 8 × 64 keys/values, sinks per head", () => {
  const plan = JSON.parse(execFileSync("python3", [script, "-", "--shape", "gpt-oss-20b", "--plan"], { encoding: "utf8" })) as {
    tensors: Array<{ name: string; shape: number[]; type: string; bytes: number }>;
    bytes: number;
  };
  const byName = new Map(plan.tensors.map((t) => [t.name, t]));
  expect(plan.tensors.filter((t) => t.name.endsWith("attn_q.weight")).length).toBe(24);
  for (const kind of ["gate", "up"]) expect(byName.get(`blk.23.ffn_${kind}_exps.weight`)).toMatchObject({ shape: [32, 2880, 2880], type: "mxfp4" });
  expect(byName.get("blk.0.ffn_down_exps.weight")).toMatchObject({ shape: [32, 2880, 2880], type: "mxfp4", bytes: (32 * 2880 * 2880 * 17) / 32 });
  expect(byName.get("blk.0.ffn_gate_inp.weight")).toMatchObject({ shape: [32, 2880] });
  expect(byName.get("blk.0.attn_q.weight")).toMatchObject({ shape: [4096, 2880] });
  expect(byName.get("blk.0.attn_k.weight")).toMatchObject({ shape: [512, 2880] });
  expect(byName.get("blk.0.attn_sinks.weight")).toMatchObject({ shape: [64] });
  expect(byName.get("token_embd.weight")).toMatchObject({ shape: [201088, 2880] });
  // ~21B parameters, most of them 4.25-bit experts: 13–14 GB (the MXFP4 release is ≈ 13 GB).
  expect(plan.bytes / 1e9).toBeGreaterThan(12.5);
  expect(plan.bytes / 1e9).toBeLessThan(14.5);
  const reduced = JSON.parse(execFileSync("python3", [script, "-", "--shape", "gpt-oss-20b", "--plan", "--layers", "2"], { encoding: "utf8" })) as {
    tensors: Array<{ name: string }>;
  };
  expect(reduced.tensors.filter((t) => t.name.endsWith("attn_q.weight")).length).toBe(2);
});
