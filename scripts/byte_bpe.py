"""The byte-level BPE vocabulary of the tiny random test models (scripts/make-*-model.py).

Vocabulary: the 256 byte tokens (GPT-2 byte alphabet), then merges that reach each given
word (so it is one token, as with a real BPE), then the control tokens.
"""
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
