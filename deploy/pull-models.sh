#!/usr/bin/env bash
# Downloads the gpt-oss-safeguard GGUF models (MXFP4, as OpenAI released the weights) with
# node-llama-cpp's own `pull` command into a folder, under the file names the config expects:
#
#   bash deploy/pull-models.sh [dir]        # default dir: models/ of this checkout (or /app/models in the image)
#
#   <dir>/gpt-oss-safeguard-20b.gguf                                             ~12 GB
#   <dir>/gpt-oss-safeguard-120b-00001-of-00002.gguf, ...-00002-of-00002.gguf     ~63 GB (a split GGUF:
#       point escalationEngine.modelPath at the first part; llama.cpp finds the second beside it)
#
# Settings (environment):
#   ARBITER_MODELS        which: "20b 120b" (default), "20b" or "120b"
#   ARBITER_MODEL_20B     URI of the 20b   (default: lmstudio-community's MXFP4 GGUF; deploy/GPU.md)
#   ARBITER_MODEL_120B    URI of the 120b  (first part of the split file)
# Re-running skips a file already there with the expected size.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/models}
which=${ARBITER_MODELS:-20b 120b}
uri_20b=${ARBITER_MODEL_20B:-hf:lmstudio-community/gpt-oss-safeguard-20b-GGUF/gpt-oss-safeguard-20b-MXFP4.gguf}
uri_120b=${ARBITER_MODEL_120B:-hf:lmstudio-community/gpt-oss-safeguard-120b-GGUF/gpt-oss-safeguard-120b-MXFP4-00001-of-00002.gguf}
cli="$root/node_modules/node-llama-cpp/dist/cli/cli.js"

log() { echo "[pull-models] $*" >&2; }

[ -f "$cli" ] || { log "node-llama-cpp is not installed under $root (run npm ci)"; exit 1; }
mkdir -p "$dir"
progress=()
[ -t 2 ] || progress=(--noProgress)

# --filename names the file (a split model's parts become <name>-0000N-of-0000M.gguf).
pull() {
  local uri=$1 name=$2 variable=$3
  log "pulling $uri into $dir/$name"
  node "$cli" pull --dir "$dir" --filename "$name" "${progress[@]}" "$uri" ||
    { log "pull failed: check that the repository and file still exist on Hugging Face (deploy/GPU.md), or set $variable"; exit 1; }
}

for model in $which; do
  case "$model" in
    20b) pull "$uri_20b" gpt-oss-safeguard-20b.gguf ARBITER_MODEL_20B ;;
    120b) pull "$uri_120b" gpt-oss-safeguard-120b.gguf ARBITER_MODEL_120B ;;
    *) log "unknown model $model (20b or 120b)"; exit 2 ;;
  esac
done
ls -la "$dir" >&2
