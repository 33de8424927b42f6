#!/usr/bin/env bash
# A Confluent-compatible Schema Registry (Apicurio Registry 2.4.2, built from Maven Central by
# scripts/schema-registry/build-and-run.sh), on loopback, for the confluent-avro formats and their tests.
# Clients use the base URL http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7.
#
#   bash scripts/schema-registry.sh fetch    # build the runner once into the cache dir (Maven)
#   bash scripts/schema-registry.sh start    # build if missing, start, wait until it answers
#   bash scripts/schema-registry.sh stop     # stop the registry this script started
#   bash scripts/schema-registry.sh status   # exit 0 when running and answering
#   bash scripts/schema-registry.sh reset    # stop and wipe the data dir (every schema registered)
#
# Settings (environment):
#   SCHEMA_REGISTRY_PORT           HTTP port                                   (default 18081)
#   SCHEMA_REGISTRY_DATA_DIR       pid file, log, the H2 database of schemas   (default .run/schema-registry)
#   SCHEMA_REGISTRY_CACHE_DIR      where the built runner is kept              (default ~/.cache/arbiter/schema-registry)
#   SCHEMA_REGISTRY_START_TIMEOUT  seconds to wait for readiness               (default 120)
#   MAVEN_REPO                     a Maven local repository other than ~/.m2/repository
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
recipe="$root/scripts/schema-registry"
host=127.0.0.1
port=${SCHEMA_REGISTRY_PORT:-18081}
data_dir=${SCHEMA_REGISTRY_DATA_DIR:-$root/.run/schema-registry}
cache_dir=${SCHEMA_REGISTRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/arbiter/schema-registry}
timeout=${SCHEMA_REGISTRY_START_TIMEOUT:-120}

# A changed pom or build script builds into a new dir instead of reusing a stale runner.
build_id=$(cat "$recipe/pom.xml" "$recipe/build-and-run.sh" | sha256sum | cut -c1-12)
work="$cache_dir/$build_id"
pid_file="$data_dir/registry.pid"
log_file="$data_dir/registry.log"
url="http://$host:$port/apis/ccompat/v7"

log() { echo "[schema-registry] $*" >&2; }
# shellcheck source=lib/pid-file.sh
. "$root/scripts/lib/pid-file.sh"

fetch() {
  if [ -f "$work/.complete" ]; then return; fi
  command -v mvn >/dev/null || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  log "building Apicurio Registry 2.4.2 with Maven into $work (first time: ~280 MB of dependencies)"
  rm -rf "$work" && mkdir -p "$work"
  local started=$SECONDS
  bash "$recipe/build-and-run.sh" build "$work" >/dev/null
  touch "$work/.complete"
  log "built in $((SECONDS - started))s"
}

running_pid() { pid_file_process "sr-1-runner.jar"; }

answers() { curl -sf -m 2 -o /dev/null "$url/subjects"; }
port_open() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

start() {
  if pid=$(running_pid) && answers; then
    log "already running (pid $pid) at $url"
    return 0
  fi
  if pid=$(running_pid); then
    log "pid $pid is still starting; waiting for it"
    wait_ready "$pid"
    return
  fi
  rm -f "$pid_file"
  if port_open; then log "port $host:$port is taken by another process; set SCHEMA_REGISTRY_PORT"; exit 1; fi
  fetch
  mkdir -p "$data_dir/db"
  log "starting on $host:$port (data: $data_dir)"
  : >"$log_file"
  # Schemas in an H2 file (the recipe's default is in memory): a restarted registry keeps its ids.
  REGISTRY_DATASOURCE_URL="jdbc:h2:file:$data_dir/db/registry" \
    nohup bash "$recipe/build-and-run.sh" run "$work" "$port" >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  wait_ready "$(cat "$pid_file")"
}

wait_ready() {
  local pid=$1 deadline=$((SECONDS + timeout))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "registry exited during start; last lines of $log_file:"
      tail -n 30 "$log_file" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if answers; then
      log "ready after ${SECONDS}s at $url"
      return 0
    fi
    sleep 0.5
  done
  log "not ready within ${timeout}s; last lines of $log_file:"
  tail -n 30 "$log_file" >&2
  stop
  exit 1
}

stop() { stop_pid_file_process "sr-1-runner.jar"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_pid >/dev/null && answers && { log "running at $url"; exit 0; } || { log "not running at $url"; exit 1; } ;;
  reset) stop; rm -rf "$data_dir"; log "wiped $data_dir" ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|reset|fetch" >&2; exit 2 ;;
esac
