#!/usr/bin/env bash
# One GPU check, at most 8 minutes on one H100: gpt-oss-safeguard-20b (or, when it is not here, a
# stand-in of its shape written by scripts/make-harmony-model.py --shape gpt-oss-20b: the same
# architecture, experts, MXFP4 quantisation and tokenizer with random weights, so the same compute
# per token; its text is noise) through bench:gpu at low, medium and high effort with 1, 4, 16 and
# 32 sequences, on the shipped pack's policies, with a median forum post and a 2k-token post.
# Prints posts/s, aggregate prompt and generated tokens/s, p50/p95 per call and peak VRAM per
# cell, and the bench's JSON line last. Goal on one H100: ≥ 15 posts/s at low effort.
#
#   bash scripts/gpu-check.sh            # on a GPU machine (npm ci done; python3 with gguf + numpy)
#   bash scripts/gpu-check.sh --cpu      # CI's smoke test: the tiny harmony model on the CPU, a few posts
#
#   ARBITER_GPU_CHECK_MODEL   the model (default models/gpt-oss-safeguard-20b.gguf, else the stand-in)
#   ARBITER_GPU_CHECK_SECONDS the bench's own time limit, cells past it skipped (default 330)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { echo "[gpu-check] $*" >&2; }
started=$SECONDS

if [ "${1:-}" = "--cpu" ]; then
  model=${ARBITER_GPU_CHECK_MODEL:-models/harmony-tiny-random.gguf}
  [ -s "$model" ] || { log "$model is missing: run bash scripts/models.sh"; exit 1; }
  log "smoke test on the CPU with $model (figures are no GPU's)"
  exec node --import tsx bench/gpu.ts --cpu --model "$model" --sequences 1,2 --context 8192 --threads 1 --rounds 1 --posts median --efforts low,medium,high
fi

model=${ARBITER_GPU_CHECK_MODEL:-models/gpt-oss-safeguard-20b.gguf}
if [ ! -s "$model" ]; then
  model=models/gpt-oss-20b-shape-random.gguf
  if [ ! -s "$model" ]; then
    log "no gpt-oss-safeguard-20b here: writing the stand-in of its shape (~14 GB) to $model"
    python3 -c "import gguf, numpy" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check "gguf==0.19.0" numpy
    python3 scripts/make-harmony-model.py "$model.tmp" --shape gpt-oss-20b
    mv "$model.tmp" "$model"
    log "stand-in written in $((SECONDS - started)) s"
  fi
fi
log "model: $model"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || log "nvidia-smi not found"
# 32 sequences × 8,192 tokens: the pack's high-effort calls with a 2k-token post fit (the context plan).
timeout 420 node --import tsx bench/gpu.ts --model "$model" --sequences 1,4,16,32 --context 8192 --batch 1024 --threads 4 \
  --rounds 2 --posts median,2k --efforts low,medium,high --max-seconds "${ARBITER_GPU_CHECK_SECONDS:-330}"
log "done in $((SECONDS - started)) s"
