#!/usr/bin/env python3
"""Writes a random-weight GGUF in the gpt-oss architecture with the harmony control tokens.

    python3 scripts/make-harmony-model.py models/harmony-tiny-random.gguf
    python3 scripts/make-harmony-model.py OUT.gguf --split 3        # a split GGUF: OUT-00001-of-00003.gguf, ...
    python3 scripts/make-harmony-model.py OUT.gguf --shape gpt-oss-20b [--layers 2]

--shape tiny (the default): a tiny model so CI can run the engine's whole analysis -> final ->
grammar loop on CPU in seconds. Its vocabulary (scripts/tiny_gguf.py) is the 256 byte-level BPE
tokens, a few merged words (so "violate"/"allow" can be sampled as multi-byte tokens), then the
harmony control tokens; its chat template is a small harmony template written for this file
(system / developer `# Instructions` / user / assistant channels), not OpenAI's.

--shape gpt-oss-20b: a stand-in shaped like gpt-oss(-safeguard)-20b as published (config.json of
openai/gpt-oss-20b): the same architecture, dimensions, 32 experts with 4 routed per token,
alternating sliding-window (128) attention, yarn rope (theta 150000, factor 32 over 4096), a
131072-token context and the o200k_harmony tokenizer (o200k_base's 199998 tokens from js-tiktoken's
bundled ranks, merges derived from the ranks, and harmony's special tokens up to 201088). The
weights are random, in the release's quantisation: the experts MXFP4; embeddings, output and
attention 16-bit (F16 here); norms, biases, sinks and the router F32. Its compute per token is the
real model's, its text noise. The full shape is ~13 GB: --layers N keeps N of the 24 layers for
CPU tests (every other field unchanged).

--split N writes N files named as llama.cpp's gguf-split names them (node-llama-cpp loads a split
model from its first part).

Needs PyPI's `gguf` (llama.cpp's own writer) and numpy; --shape gpt-oss-20b also needs node and
js-tiktoken (npm ci). The weights are random (seeded): the models exercise token plumbing and
speed, not judgement.
"""
import argparse
import base64
import json
import math
import os
import subprocess
import sys
import numpy as np
import gguf

from tiny_gguf import add_byte_bpe_tokenizer, byte_alphabet, seeded_normal, write_model

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


TINY_TENSORS = 3 + 19 * N_LAYER


def split_writer(path, arch, parts, tensors):
    """A writer of one file, or of `parts` files of about equal tensor counts."""
    if parts <= 1:
        return gguf.GGUFWriter(path, arch)
    return gguf.GGUFWriter(path, arch, split_max_tensors=math.ceil(tensors / parts))


def write_tiny(path, parts):
    rand = seeded_normal(SEED)
    w = split_writer(path, "gpt-oss", parts, TINY_TENSORS)
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


# gpt-oss-20b as published (openai/gpt-oss-20b config.json); test/unit/engine/harmony-shape.test.ts
# checks the written file against these, field by field.
GPT_OSS_20B = {
    "hidden_size": 2880,
    "num_hidden_layers": 24,
    "intermediate_size": 2880,
    "num_local_experts": 32,
    "experts_per_token": 4,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "head_dim": 64,
    "sliding_window": 128,
    "max_position_embeddings": 131072,
    "initial_context_length": 4096,
    "rope_theta": 150000.0,
    "rope_scaling_factor": 32.0,
    "rms_norm_eps": 1e-5,
    "vocab_size": 201088,
}
# o200k_harmony's special tokens above o200k_base's 199998 (openai/harmony); the rest up to
# vocab_size are <|reserved_N|>.
HARMONY_SPECIALS = {
    199998: "<|startoftext|>", 199999: "<|endoftext|>", 200002: "<|return|>", 200003: "<|constrain|>",
    200005: "<|channel|>", 200006: "<|start|>", 200007: "<|end|>", 200008: "<|message|>",
    200012: "<|call|>", 200018: "<|endofprompt|>",
}


def o200k_tokens():
    """o200k_base's tokens as bytes, in rank order (scripts/o200k-ranks.mjs reads js-tiktoken's ranks)."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(["node", os.path.join(here, "o200k-ranks.mjs")], check=True, capture_output=True, cwd=os.path.dirname(here)).stdout
    return [base64.b64decode(line) for line in out.decode("ascii").split()]


def bpe_merges(tokens):
    """The merges a byte-level BPE needs to rebuild tiktoken's ranks: for each token, the two
    parts BPE reaches using only lower-ranked tokens (the split tiktoken's own encoder makes)."""
    rank = {t: i for i, t in enumerate(tokens)}
    merges = []
    for r, token in enumerate(tokens):
        if len(token) < 2:
            continue
        parts = [token[i:i + 1] for i in range(len(token))]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                pr = rank.get(parts[i] + parts[i + 1])
                if pr is not None and pr < r and (best is None or pr < best[0]):
                    best = (pr, i)
            if best is None:
                break
            i = best[1]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        if len(parts) == 2:
            merges.append((parts[0], parts[1]))
    return merges


def add_o200k_harmony_tokenizer(w):
    alphabet = byte_alphabet()
    spell = lambda b: "".join(alphabet[x] for x in b)  # noqa: E731
    base = o200k_tokens()
    n_vocab = GPT_OSS_20B["vocab_size"]
    tokens = [spell(t) for t in base]
    types = [gguf.TokenType.NORMAL] * len(tokens)
    for i in range(len(base), n_vocab):
        tokens.append(HARMONY_SPECIALS.get(i, f"<|reserved_{i}|>"))
        types.append(gguf.TokenType.CONTROL)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-4o")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([f"{spell(a)} {spell(b)}" for a, b in bpe_merges(base)])
    w.add_bos_token_id(199998)
    w.add_eos_token_id(200002)
    w.add_pad_token_id(199999)
    w.add_add_bos_token(False)
    # Not OpenAI's template: the engine writes harmony itself (promptFormat auto -> harmony).
    w.add_chat_template(CHAT_TEMPLATE)
    return n_vocab


def gpt_oss_20b_plan(layers):
    c = GPT_OSS_20B
    n_layer = c["num_hidden_layers"] if layers is None else layers
    embd, ff, n_exp = c["hidden_size"], c["intermediate_size"], c["num_local_experts"]
    q_dim, kv_dim = c["num_attention_heads"] * c["head_dim"], c["num_key_value_heads"] * c["head_dim"]
    n_vocab = c["vocab_size"]
    # (name, numpy shape, kind): kind f32, f16 or mxfp4 (shapes are numpy order, the reverse of ggml's ne[]).
    plan = [("token_embd.weight", (n_vocab, embd), "f16"), ("output_norm.weight", (embd,), "norm"), ("output.weight", (n_vocab, embd), "f16")]
    for i in range(n_layer):
        p = f"blk.{i}."
        plan += [
            (p + "attn_norm.weight", (embd,), "norm"),
            (p + "post_attention_norm.weight", (embd,), "norm"),
            (p + "attn_q.weight", (q_dim, embd), "f16"),
            (p + "attn_q.bias", (q_dim,), "f32"),
            (p + "attn_k.weight", (kv_dim, embd), "f16"),
            (p + "attn_k.bias", (kv_dim,), "f32"),
            (p + "attn_v.weight", (kv_dim, embd), "f16"),
            (p + "attn_v.bias", (kv_dim,), "f32"),
            (p + "attn_output.weight", (embd, q_dim), "f16"),
            (p + "attn_output.bias", (embd,), "f32"),
            (p + "attn_sinks.weight", (c["num_attention_heads"],), "f32"),
            (p + "ffn_gate_inp.weight", (n_exp, embd), "f32"),
            (p + "ffn_gate_inp.bias", (n_exp,), "f32"),
            (p + "ffn_gate_exps.weight", (n_exp, ff, embd), "mxfp4"),
            (p + "ffn_gate_exps.bias", (n_exp, ff), "f32"),
            (p + "ffn_up_exps.weight", (n_exp, ff, embd), "mxfp4"),
            (p + "ffn_up_exps.bias", (n_exp, ff), "f32"),
            (p + "ffn_down_exps.weight", (n_exp, embd, ff), "mxfp4"),
            (p + "ffn_down_exps.bias", (n_exp, embd), "f32"),
        ]
    return plan


def tensor_bytes(shape, kind):
    if kind == "mxfp4":
        block, block_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType.MXFP4]
        return int(np.prod(shape)) // block * block_bytes
    return int(np.prod(shape)) * (2 if kind == "f16" else 4)


def write_gpt_oss_20b(path, parts, layers, vocab_only=False):
    c = GPT_OSS_20B
    n_layer = c["num_hidden_layers"] if layers is None else layers
    embd, ff, n_exp = c["hidden_size"], c["intermediate_size"], c["num_local_experts"]
    plan = [] if vocab_only else gpt_oss_20b_plan(layers)
    w = split_writer(path, "gpt-oss", parts, len(plan))
    w.add_name(f"gpt-oss-20b-shape-random{'' if layers is None else f'-{n_layer}-layers'}")
    w.add_context_length(c["max_position_embeddings"])
    w.add_embedding_length(embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(ff)
    w.add_head_count(c["num_attention_heads"])
    w.add_head_count_kv(c["num_key_value_heads"])
    w.add_key_length(c["head_dim"])
    w.add_value_length(c["head_dim"])
    w.add_rope_freq_base(c["rope_theta"])
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(c["rope_scaling_factor"])
    w.add_rope_scaling_orig_ctx_len(c["initial_context_length"])
    w.add_layer_norm_rms_eps(c["rms_norm_eps"])
    w.add_sliding_window(c["sliding_window"])
    w.add_expert_count(n_exp)
    w.add_expert_used_count(c["experts_per_token"])
    w.add_expert_feed_forward_length(ff)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_MXFP4_MOE)
    add_o200k_harmony_tokenizer(w)
    if vocab_only:
        # Metadata and tokenizer only (llama.cpp loads it with vocab_only): what token counts and
        # the metadata test need, in a few MB.
        write_model(w, f"gpt-oss-20b shape, {n_layer} layers, vocabulary only")
        return

    block, block_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType.MXFP4]
    for name, shape, kind in plan:
        if kind == "mxfp4":
            byte_shape = (*shape[:-1], shape[-1] // block * block_bytes)
            w.add_tensor_info(name, byte_shape, np.dtype(np.uint8), int(np.prod(byte_shape)), raw_dtype=gguf.GGMLQuantizationType.MXFP4)
        else:
            dtype = np.dtype(np.float16 if kind == "f16" else np.float32)
            w.add_tensor_info(name, shape, dtype, int(np.prod(shape)) * dtype.itemsize)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    # Streams one tensor at a time: the full shape never sits in memory.
    rng = np.random.default_rng(SEED)
    for name, shape, kind in plan:
        if kind == "mxfp4":
            blocks = int(np.prod(shape)) // block
            data = np.frombuffer(rng.bytes(blocks * block_bytes), dtype=np.uint8).reshape(blocks, block_bytes).copy()
            # E8M0 scales of 2^-7..2^-5: FP4 values (|x| <= 6) times these give weights of |w| < 0.2.
            data[:, 0] = rng.integers(120, 123, size=blocks, dtype=np.uint8)
            w.write_tensor_data(data.reshape(*shape[:-1], shape[-1] // block * block_bytes))
        elif kind == "norm":
            w.write_tensor_data(np.ones(shape, dtype=np.float32))
        else:
            data = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
            w.write_tensor_data(data.astype(np.float16) if kind == "f16" else data)
    w.close()
    print(f"wrote {path}: {sum(tensor_bytes(s_, k) for _, s_, k in plan) / 1e9:.2f} GB of tensors, gpt-oss-20b shape, {n_layer} layers, {len(plan)} tensors, {parts} file(s)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", help="the GGUF file to write (with --split: the name the parts are named from)")
    parser.add_argument("--shape", choices=["tiny", "gpt-oss-20b"], default="tiny")
    parser.add_argument("--layers", type=int, help="gpt-oss-20b only: keep this many of the 24 layers (CPU tests)")
    parser.add_argument("--vocab-only", action="store_true", help="gpt-oss-20b only: metadata and tokenizer, no tensors")
    parser.add_argument("--plan", action="store_true", help="gpt-oss-20b only: print the tensors (JSON) and write nothing")
    parser.add_argument("--split", type=int, default=1, metavar="N", help="write N files (OUT-00001-of-0000N.gguf, ...)")
    args = parser.parse_args()
    if args.split < 1:
        parser.error("--split must be at least 1")
    if args.layers is not None and (args.shape != "gpt-oss-20b" or not 1 <= args.layers <= GPT_OSS_20B["num_hidden_layers"]):
        parser.error("--layers needs --shape gpt-oss-20b and a count from 1 to 24")
    if (args.vocab_only or args.plan) and args.shape != "gpt-oss-20b":
        parser.error("--vocab-only and --plan need --shape gpt-oss-20b")
    if args.plan:
        plan = gpt_oss_20b_plan(args.layers)
        tensors = [{"name": n, "shape": list(s_), "type": k, "bytes": tensor_bytes(s_, k)} for n, s_, k in plan]
        print(json.dumps({"tensors": tensors, "bytes": sum(t["bytes"] for t in tensors)}))
        return
    if args.shape == "tiny":
        write_tiny(args.output, args.split)
    else:
        write_gpt_oss_20b(args.output, args.split, args.layers, args.vocab_only)


if __name__ == "__main__":
    main()
