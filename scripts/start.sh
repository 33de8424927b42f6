#!/usr/bin/env bash
# The quick start's main job: installs what is missing, starts Kafka and Redis, starts the
# classifier worker (primary role) and the escalation worker, feeds the demo posts and prints
# each decision; the workers keep running until Ctrl-C (which drains and commits).
#   ARBITER_DEMO=0        skip the demo posts
#   ARBITER_MODEL=...     the primary model (default models/gpt-oss-safeguard-20b.gguf, else Gemma 270M)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/services.sh start

fallback=models/gemma-3-270m-q4_k_m.gguf
primary=${ARBITER_MODEL:-models/gpt-oss-safeguard-20b.gguf}
escalation=${ARBITER_ESCALATION_MODEL:-models/gpt-oss-safeguard-120b.gguf}
if [ ! -f "$primary" ]; then echo "[start] $primary not found: the primary worker uses $fallback on CPU"; primary=$fallback; fi
if [ ! -f "$escalation" ]; then echo "[start] $escalation not found: the escalation worker uses $fallback on CPU"; escalation=$fallback; fi

tsx=(node --import tsx)
logs=.run/logs
mkdir -p "$logs"
ARBITER_MODEL="$primary" ARBITER_ROLE=primary "${tsx[@]}" workers/classifier/main.ts >>"$logs/primary.log" 2>&1 &
primary_pid=$!
ARBITER_ESCALATION_MODEL="$escalation" ARBITER_ROLE=escalation ARBITER_HTTP_PORT=9465 "${tsx[@]}" workers/classifier/main.ts >>"$logs/escalation.log" 2>&1 &
escalation_pid=$!
echo "[start] workers started (pids $primary_pid, $escalation_pid); logs in $logs/"
stop() { kill -TERM "$primary_pid" "$escalation_pid" 2>/dev/null || true; wait "$primary_pid" "$escalation_pid" 2>/dev/null || true; }
trap stop INT TERM

if [ "${ARBITER_DEMO:-1}" = "1" ]; then
  "${tsx[@]}" scripts/demo.ts || echo "[start] the demo did not see every decision in time"
  echo "[start] the workers keep running (metrics: http://127.0.0.1:9464/metrics); Ctrl-C stops them"
fi
wait "$primary_pid" "$escalation_pid"
