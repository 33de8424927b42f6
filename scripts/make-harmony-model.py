#!/usr/bin/env python3
"""Writes a tiny random-weight GGUF in the gpt-oss architecture whose vocabulary holds the
harmony special tokens as control tokens, so CI can run the engine's whole
analysis -> final -> grammar loop on CPU in seconds.

    python3 scripts/make-harmony-model.py models/harmony-tiny-random.gguf

Needs PyPI's `gguf` (llama.cpp's own writer) and numpy. The weights are random (seeded), so
the model writes gibberish: it exercises token plumbing, not judgement.

Vocabulary (scripts/tiny_gguf.py): the 256 byte-level BPE tokens, a few merged words (so
"violate"/"allow" can be sampled as multi-byte tokens, as with a real BPE), then the
harmony control tokens. The chat template is a small harmony template written for this
file (system / developer `# Instructions` / user / assistant channels), not OpenAI's.
"""
import numpy as np
import gguf

from tiny_gguf import add_byte_bpe_tokenizer, output_path, seeded_normal, write_model

N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = 16
N_LAYER = 2
N_EXPERT = 4
N_EXPERT_USED = 2
N_FF_EXP = 64
CONTEXT = 4096
SWA = 128
SEED = 20261128

# gpt-oss's control tokens (ids differ from the real 200k vocabulary; the names are the same).
CONTROL_TOKENS = [
    "<|startoftext|>", "<|endoftext|>", "<|return|>", "<|constrain|>", "<|channel|>",
    "<|start|>", "<|end|>", "<|message|>", "<|call|>", "<|endofprompt|>",
]
WORDS = [
    "violate", "allow", "Ġviolate", "Ġallow", "decision", "rationale", "rule", "_ids",
    "Ġthe", "Ġpost", "Ġpolicy", "analysis", "final", "assistant", "user", "system", "developer",
]

CHAT_TEMPLATE = (
    "{%- set effort = reasoning_effort | default('medium') -%}"
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\n\nReasoning: {{ effort }}\n\n"
    "# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"
    "{%- for message in messages -%}"
    "{%- if message.role == 'system' or message.role == 'developer' -%}"
    "<|start|>developer<|message|># Instructions\n\n{{ message.content }}<|end|>"
    "{%- elif message.role == 'user' -%}"
    "<|start|>user<|message|>{{ message.content }}<|end|>"
    "{%- elif message.role == 'assistant' -%}"
    "{%- if message.thinking is defined and message.thinking -%}"
    "<|start|>assistant<|channel|>analysis<|message|>{{ message.thinking }}<|end|>"
    "{%- endif -%}"
    "<|start|>assistant<|channel|>final<|message|>{{ message.content }}<|end|>"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}"
)


def main(path):
    rand = seeded_normal(SEED)
    w = gguf.GGUFWriter(path, "gpt-oss")
    w.add_name("harmony-tiny-random")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF_EXP)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_key_length(HEAD_DIM)
    w.add_value_length(HEAD_DIM)
    w.add_rope_freq_base(150000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_sliding_window(SWA)
    w.add_expert_count(N_EXPERT)
    w.add_expert_used_count(N_EXPERT_USED)
    w.add_expert_feed_forward_length(N_FF_EXP)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    n_vocab = add_byte_bpe_tokenizer(
        w, WORDS, CONTROL_TOKENS, pre="gpt-4o", bos="<|startoftext|>", eos="<|return|>", pad="<|endoftext|>", chat_template=CHAT_TEMPLATE
    )

    # Shapes are numpy order (reverse of llama.cpp's ne[]).
    w.add_tensor("token_embd.weight", rand(n_vocab, N_EMBD, scale=0.5))
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    w.add_tensor("output.weight", rand(n_vocab, N_EMBD, scale=0.5))
    q_dim, kv_dim = N_HEAD * HEAD_DIM, N_HEAD_KV * HEAD_DIM
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "post_attention_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", rand(q_dim, N_EMBD))
        w.add_tensor(p + "attn_q.bias", rand(q_dim))
        w.add_tensor(p + "attn_k.weight", rand(kv_dim, N_EMBD))
        w.add_tensor(p + "attn_k.bias", rand(kv_dim))
        w.add_tensor(p + "attn_v.weight", rand(kv_dim, N_EMBD))
        w.add_tensor(p + "attn_v.bias", rand(kv_dim))
        w.add_tensor(p + "attn_output.weight", rand(N_EMBD, q_dim))
        w.add_tensor(p + "attn_output.bias", rand(N_EMBD))
        w.add_tensor(p + "attn_sinks.weight", rand(N_HEAD))
        w.add_tensor(p + "ffn_gate_inp.weight", rand(N_EXPERT, N_EMBD))
        w.add_tensor(p + "ffn_gate_inp.bias", rand(N_EXPERT))
        w.add_tensor(p + "ffn_gate_exps.weight", rand(N_EXPERT, N_FF_EXP, N_EMBD))
        w.add_tensor(p + "ffn_gate_exps.bias", rand(N_EXPERT, N_FF_EXP))
        w.add_tensor(p + "ffn_up_exps.weight", rand(N_EXPERT, N_FF_EXP, N_EMBD))
        w.add_tensor(p + "ffn_up_exps.bias", rand(N_EXPERT, N_FF_EXP))
        w.add_tensor(p + "ffn_down_exps.weight", rand(N_EXPERT, N_EMBD, N_FF_EXP))
        w.add_tensor(p + "ffn_down_exps.bias", rand(N_EXPERT, N_EMBD))

    write_model(w, f"gpt-oss arch, vocab {n_vocab} ({len(CONTROL_TOKENS)} control tokens)")


if __name__ == "__main__":
    main(output_path("make-harmony-model.py"))
