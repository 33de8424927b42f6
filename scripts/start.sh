#!/usr/bin/env bash
# The quick start's main job: installs what is missing, starts Kafka and Redis, builds dist/ when
# it is missing or stale, starts the classifier worker (primary role) and the escalation worker
# from the build, feeds the demo posts and prints each decision; the workers keep running until
# Ctrl-C, which drains in-flight work and commits (a second Ctrl-C forces them out).
#   ARBITER_DEMO=0                skip the demo posts
#   ARBITER_MODEL=...             the primary model (default models/gpt-oss-safeguard-20b.gguf, else Gemma 270M)
#   ARBITER_ESCALATION_MODEL=...  the escalation model (default models/gpt-oss-safeguard-120b-00001-of-00002.gguf,
#                                 the first part of the split file deploy/pull-models.sh writes; else Gemma 270M, with a warning)
#   ARBITER_HTTP_PORT=9464        the primary worker's /healthz /readyz /metrics port (0: any free one)
#   ARBITER_ESCALATION_HTTP_PORT=9465   the escalation worker's
#   ARBITER_LOG_DIR=.run/logs     where the workers' logs go (primary.log, escalation.log)
#   ARBITER_SERVICES=0            Kafka and Redis run elsewhere (KAFKA_BROKERS, REDIS_URL): don't start them
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
if [ "${ARBITER_SERVICES:-1}" != "0" ]; then bash scripts/services.sh start; fi
bash scripts/build.sh --if-stale

fallback=models/gemma-3-270m-q4_k_m.gguf
primary=${ARBITER_MODEL:-models/gpt-oss-safeguard-20b.gguf}
escalation=${ARBITER_ESCALATION_MODEL:-models/gpt-oss-safeguard-120b-00001-of-00002.gguf}
# A model file present and whole: a split GGUF's first part and every other part beside it.
model_missing() {
  local file=$1
  [ -f "$file" ] || { echo "$file not found"; return 0; }
  if [[ "$file" =~ -00001-of-([0-9]{5})\.gguf$ ]]; then
    local n=$((10#${BASH_REMATCH[1]})) i
    for ((i = 2; i <= n; i++)); do
      local part; part=$(printf '%s-%05d-of-%05d.gguf' "${file%-00001-of-*}" "$i" "$n")
      [ -f "$part" ] || { echo "$part (part $i of $n of $file) not found"; return 0; }
    done
  fi
  return 1
}
# Loud on purpose: decisions from Gemma 270M are not gpt-oss-safeguard's.
fallback_warning() {
  local role=$1 why=$2 setting=$3
  {
    echo "[start] ################################################################################"
    echo "[start] WARNING: the $role worker runs on $fallback (Gemma 3 270M, CPU), NOT gpt-oss-safeguard:"
    echo "[start]   $why"
    echo "[start]   Its decisions are a demo's, not a moderator's. Download the models with"
    echo "[start]   \`bash deploy/pull-models.sh\` (deploy/GPU.md), or point $setting at a GGUF file."
    echo "[start] ################################################################################"
  } >&2
}
if why=$(model_missing "$primary"); then fallback_warning primary "$why" ARBITER_MODEL; primary=$fallback; fi
if why=$(model_missing "$escalation"); then fallback_warning escalation "$why" ARBITER_ESCALATION_MODEL; escalation=$fallback; fi

primary_port=${ARBITER_HTTP_PORT:-9464}
escalation_port=${ARBITER_ESCALATION_HTTP_PORT:-9465}
logs=${ARBITER_LOG_DIR:-.run/logs}
mkdir -p "$logs"
# Each worker in a session of its own: the terminal's Ctrl-C reaches only this script, which
# passes it on as one SIGTERM (a worker sent both would take the second for "exit now").
detach=(); command -v setsid >/dev/null && detach=(setsid)
ARBITER_MODEL="$primary" ARBITER_ROLE=primary ARBITER_HTTP_PORT="$primary_port" \
  "${detach[@]}" node dist/workers/classifier/main.js >>"$logs/primary.log" 2>&1 &
primary_pid=$!
ARBITER_ESCALATION_MODEL="$escalation" ARBITER_ROLE=escalation ARBITER_HTTP_PORT="$escalation_port" \
  "${detach[@]}" node dist/workers/classifier/main.js >>"$logs/escalation.log" 2>&1 &
escalation_pid=$!
echo "[start] workers started (pids $primary_pid, $escalation_pid); logs in $logs/"
# The sinks, the console and the ingest gateway need a forum API, a ticket system, moderators or a forum's webhooks: not started here.
echo "[start] to act on decisions, start these with their settings (docs/operators-guide.md: \"Acting on decisions\"):"
echo "[start]   node dist/workers/auto-hide/main.js   the forum's hide/unhide/banner API (autoHide.forum.*.url)"
echo "[start]   node dist/workers/tickets/main.js     tickets to a webhook and/or a Redis stream (tickets.*)"
echo "[start]   node dist/workers/console/main.js     the moderator console (console.sessionSecret, console.moderators)"
echo "[start] to take posts from a forum instead of Kafka producers, start the ingest gateway (docs/platforms/ingest.md):"
echo "[start]   node dist/workers/ingest/main.js      forum webhooks and the Reddit/Lemmy pollers -> posts (ingest.sources, ingest.pollers)"

stopping=""
interrupted=""
stop() {
  local now=${EPOCHREALTIME/./}
  interrupted=1
  if [ -z "$stopping" ]; then
    stopping=$now
    echo "[start] stopping: the workers drain in-flight work and commit (Ctrl-C again forces them out)"
    kill -TERM "$primary_pid" "$escalation_pid" 2>/dev/null || true
  elif ((now - stopping > 1000000)); then
    # Within a second it is the same Ctrl-C again (npm forwards the terminal's to this script).
    echo "[start] forcing the workers out"
    kill -TERM "$primary_pid" "$escalation_pid" 2>/dev/null || true
  fi
}
trap stop INT TERM

if [ "${ARBITER_DEMO:-1}" = "1" ]; then
  node --import tsx scripts/demo.ts || echo "[start] the demo did not see every decision in time"
  echo "[start] the workers keep running (metrics: http://127.0.0.1:$primary_port/metrics); Ctrl-C stops them"
fi

# A trapped signal ends `wait` early (the trap sets `interrupted`): wait again for the status.
wait_for() {
  local rc
  while :; do
    interrupted=""
    rc=0
    wait "$1" || rc=$?
    [ -n "$interrupted" ] || break
  done
  code=$rc
}
wait_for "$primary_pid"; primary_code=$code
wait_for "$escalation_pid"; escalation_code=$code
echo "[start] the workers exited: primary $primary_code, escalation $escalation_code"
[ "$primary_code" = 0 ] && [ "$escalation_code" = 0 ]
