"""What the tiny random test models' scripts (scripts/make-*-model.py) share: a byte-level BPE
tokenizer, seeded random tensors, and writing the file.

Vocabulary: the 256 byte tokens (GPT-2 byte alphabet), then merges that reach each given
word (so it is one token, as with a real BPE), then the control tokens.
"""
import sys

import numpy as np
import gguf


def byte_alphabet():
    """GPT-2's reversible byte -> printable-character map used by byte-level BPE."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def byte_bpe_vocabulary(words, control_tokens):
    """Returns (tokens, token types, merges, {control token: id})."""
    tokens = byte_alphabet()
    merges = []
    known = set(tokens)
    for word in words:
        # Left-to-right merges: each prefix becomes a token, so the BPE can reach the word.
        for end in range(2, len(word) + 1):
            prefix, piece = word[: end - 1], word[end - 1]
            if word[:end] in known:
                continue
            merges.append(f"{prefix} {piece}")
            tokens.append(word[:end])
            known.add(word[:end])
    types = [gguf.TokenType.NORMAL] * len(tokens)
    control_ids = {}
    for name in control_tokens:
        control_ids[name] = len(tokens)
        tokens.append(name)
        types.append(gguf.TokenType.CONTROL)
    return tokens, types, merges, control_ids


def add_byte_bpe_tokenizer(writer, words, control_tokens, *, pre, bos, eos, pad, chat_template):
    """Writes the tokenizer keys (bos/eos/pad name control tokens; no BOS added); returns the vocabulary size."""
    tokens, types, merges, control = byte_bpe_vocabulary(words, control_tokens)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(control[bos])
    writer.add_eos_token_id(control[eos])
    writer.add_pad_token_id(control[pad])
    writer.add_add_bos_token(False)
    writer.add_chat_template(chat_template)
    return len(tokens)


def seeded_normal(seed):
    """rand(*shape, scale=0.08): float32 normal noise, all from one seeded stream (same file every run)."""
    rng = np.random.default_rng(seed)

    def rand(*shape, scale=0.08):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    return rand


def write_model(writer, summary):
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {writer.path}: {summary}", file=sys.stderr)


def output_path(script):
    if len(sys.argv) != 2:
        sys.exit(f"usage: {script} OUTPUT.gguf")
    return sys.argv[1]
