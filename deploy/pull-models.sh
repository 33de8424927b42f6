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
#   ARBITER_MODEL_120B_PARTS  how many parts the 120b is split into (default 2, as published)
# Re-running skips a file already there with the expected size. After pulling, the script checks
# that each file the config reads (engine.modelPath, escalationEngine.modelPath defaults) is there.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/models}
which=${ARBITER_MODELS:-20b 120b}
uri_20b=${ARBITER_MODEL_20B:-hf:lmstudio-community/gpt-oss-safeguard-20b-GGUF/gpt-oss-safeguard-20b-MXFP4.gguf}
uri_120b=${ARBITER_MODEL_120B:-hf:lmstudio-community/gpt-oss-safeguard-120b-GGUF/gpt-oss-safeguard-120b-MXFP4-00001-of-00002.gguf}
parts_120b=${ARBITER_MODEL_120B_PARTS:-2}
cli="$root/node_modules/node-llama-cpp/dist/cli/cli.js"
# The names the config reads: a split GGUF by its first part (shared/config/arbiter-config.ts).
name_20b=gpt-oss-safeguard-20b.gguf
name_120b=$(printf 'gpt-oss-safeguard-120b-00001-of-%05d.gguf' "$parts_120b")

log() { echo "[pull-models] $*" >&2; }

[ -f "$cli" ] || { log "node-llama-cpp is not installed under $root (run npm ci)"; exit 1; }
mkdir -p "$dir"
progress=()
[ -t 2 ] || progress=(--noProgress)

# --filename names the file; node-llama-cpp names a split model's parts <stem>-0000N-of-0000M.gguf
# from it, so the first part lands exactly on the name the config reads.
pull() {
  local uri=$1 name=$2 variable=$3
  log "pulling $uri into $dir/$name"
  node "$cli" pull --dir "$dir" --filename "$name" "${progress[@]}" "$uri" ||
    { log "pull failed: check that the repository and file still exist on Hugging Face (deploy/GPU.md), or set $variable"; exit 1; }
  [ -s "$dir/$name" ] ||
    { log "pulled, but $dir/$name is not there (the file was split differently? set ARBITER_MODEL_120B_PARTS): the config would not find it"; ls -la "$dir" >&2; exit 1; }
}

for model in $which; do
  case "$model" in
    20b) pull "$uri_20b" "$name_20b" ARBITER_MODEL_20B ;;
    120b) pull "$uri_120b" "$name_120b" ARBITER_MODEL_120B ;;
    *) log "unknown model $model (20b or 120b)"; exit 2 ;;
  esac
done
ls -la "$dir" >&2
