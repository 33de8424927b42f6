#!/usr/bin/env bash
# Debian's redis-server on loopback, installed when missing, started and stopped by this script.
#
#   bash scripts/redis.sh start | stop | status
#
# Settings (environment):
#   REDIS_HOST       bind address                   (default 127.0.0.1)
#   REDIS_PORT       port                           (default 6379)
#   REDIS_DATA_DIR   pid file, log, working dir     (default .run/redis)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6379}
data_dir=${REDIS_DATA_DIR:-$root/.run/redis}
pid_file="$data_dir/redis.pid"

log() { echo "[redis] $*" >&2; }

install_if_missing() {
  command -v redis-server >/dev/null && return
  log "redis-server missing: installing Debian's redis-server"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  # Debian's package may start its own system service; ours runs on its own pid file and dir.
}

running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null && grep -q "redis-server" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

ping() { redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG; }

start() {
  install_if_missing
  if running_pid >/dev/null && ping; then log "already running on $host:$port"; return 0; fi
  rm -f "$pid_file"
  if ping; then log "another Redis answers on $host:$port; set REDIS_PORT"; exit 1; fi
  mkdir -p "$data_dir"
  redis-server --bind "$host" --port "$port" --daemonize yes --pidfile "$pid_file" \
    --dir "$data_dir" --logfile "$data_dir/redis.log" --save "" --appendonly no
  for _ in $(seq 1 100); do
    if ping; then log "ready on $host:$port"; return 0; fi
    sleep 0.1
  done
  log "not ready in 10s; last lines of $data_dir/redis.log:"
  tail -n 20 "$data_dir/redis.log" >&2
  exit 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then rm -f "$pid_file"; log "not running"; return 0; fi
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || { log "stopped"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_pid >/dev/null && ping && { log "running on $host:$port"; exit 0; } || { log "not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
