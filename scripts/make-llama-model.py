#!/usr/bin/env python3
"""Writes a tiny random-weight GGUF in the llama architecture with a plain ChatML chat
template and no harmony tokens, so tests run the engine's chat-template path (a model's own
template, no analysis channel) on CPU in milliseconds.

    python3 scripts/make-llama-model.py models/llama-tiny-random.gguf

Needs PyPI's `gguf` (llama.cpp's own writer) and numpy. The weights are random (seeded), so
the model writes gibberish: it exercises loading, templates, grammars, sequences and
disposal, not judgement.

Vocabulary (scripts/tiny_gguf.py): the 256 byte-level BPE tokens, common English words and the
verdict's JSON words as merged tokens (so posts and policies tokenize to words, as with a
real BPE), then the ChatML control tokens <|endoftext|>, <|im_start|> and <|im_end|>.
"""
import numpy as np
import gguf

from tiny_gguf import add_byte_bpe_tokenizer, output_path, seeded_normal, write_model

N_EMBD = 32
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = N_EMBD // N_HEAD
N_LAYER = 2
N_FF = 64
CONTEXT = 4096
SEED = 20261201

CONTROL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Words after a space carry GPT-2's "Ġ" (the space byte); the others start a text or a JSON string.
COMMON = (
    "the of and to a in is it you that was for on are with as be at this have from or by not but what all "
    "were when we there can an your which their if do will each about how up out them then she many some so "
    "these would other into has her two like him see time could no make than first been its who now people "
    "my made over did down only way find use may long very after words called just where most know get through "
    "back much before go good new write our used me man too any day same right look think also around another "
    "came come work three word must because does part even place well such here take why things help put years "
    "different away again off went old number great tell men say small every found still between name should "
    "post policy spam ads links link click buy free offer now cheap watches ordinary talk question normal meeting "
    "bring snacks first second rule rules violate allow"
).split()
WORDS = ["Ġ" + word for word in COMMON] + [
    "violate", "allow", "decision", "rule_ids", "rationale", "system", "user", "assistant", "Spam", "Hate", "SP",
]

# ChatML, as Qwen and many small chat models ship it.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def main(path):
    rand = seeded_normal(SEED)
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("llama-tiny-random")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    n_vocab = add_byte_bpe_tokenizer(
        w, WORDS, CONTROL_TOKENS, pre="gpt-2", bos="<|endoftext|>", eos="<|im_end|>", pad="<|endoftext|>", chat_template=CHAT_TEMPLATE
    )

    # Shapes are numpy order (reverse of llama.cpp's ne[]).
    w.add_tensor("token_embd.weight", rand(n_vocab, N_EMBD, scale=0.5))
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    w.add_tensor("output.weight", rand(n_vocab, N_EMBD, scale=0.5))
    kv_dim = N_HEAD_KV * HEAD_DIM
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", rand(N_EMBD, N_EMBD))
        w.add_tensor(p + "attn_k.weight", rand(kv_dim, N_EMBD))
        w.add_tensor(p + "attn_v.weight", rand(kv_dim, N_EMBD))
        w.add_tensor(p + "attn_output.weight", rand(N_EMBD, N_EMBD))
        w.add_tensor(p + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "ffn_gate.weight", rand(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_up.weight", rand(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_down.weight", rand(N_EMBD, N_FF))

    write_model(w, f"llama arch, vocab {n_vocab} ({len(CONTROL_TOKENS)} control tokens)")


if __name__ == "__main__":
    main(output_path("make-llama-model.py"))
