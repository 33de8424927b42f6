#!/usr/bin/env bash
# Debian's PostgreSQL on loopback, installed when missing, its cluster in .run/postgres, started
# and stopped by this script (not by Debian's pg_ctlcluster or a system service).
#
#   bash scripts/postgres.sh start | stop | status
#
# Settings (environment):
#   PGHOST              listen address                 (default 127.0.0.1)
#   PGPORT              port                           (default 5432)
#   POSTGRES_DATA_DIR   the cluster, its log           (default .run/postgres)
#   POSTGRES_DATABASE   database created at start      (default arbiter)
#
# The cluster's superuser is `arbiter` with trust authentication on loopback only (a development
# and test cluster: production points `record.postgres.url` at its own server). PostgreSQL
# refuses to run as root, so as root the cluster belongs to, and runs as, the `postgres` user
# (created by Debian's package).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
data_dir=${POSTGRES_DATA_DIR:-$root/.run/postgres}
database=${POSTGRES_DATABASE:-arbiter}
superuser=arbiter

log() { echo "[postgres] $*" >&2; }

bin_dir() {
  # Debian installs each major version under /usr/lib/postgresql/<major>/bin: the newest one.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/postgres" ] && echo "$dir"
}

install_if_missing() {
  bin_dir >/dev/null && return
  log "PostgreSQL missing: installing Debian's postgresql"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  # Debian's package may start its own cluster on 5432; ours runs from its own directory and port.
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ready() { as_owner "$(bin_dir)/pg_isready" -q -h "$host" -p "$port" 2>/dev/null; }

running() { [ -f "$data_dir/data/postmaster.pid" ] && as_owner "$(bin_dir)/pg_ctl" status -D "$data_dir/data" >/dev/null 2>&1; }

start() {
  install_if_missing
  local bin
  bin=$(bin_dir)
  if running && ready; then log "already running on $host:$port"; return 0; fi
  if ready; then log "another PostgreSQL answers on $host:$port; set PGPORT"; exit 1; fi
  mkdir -p "$data_dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$data_dir"
    # The cluster runs as `postgres`, which must be able to reach its directory (mktemp's 0700 dirs it cannot).
    runuser -u postgres -- test -w "$data_dir" ||
      { log "user postgres cannot reach $data_dir (a parent directory is closed to it): open the parents (chmod o+x) or set POSTGRES_DATA_DIR"; exit 1; }
  fi
  if [ ! -f "$data_dir/data/PG_VERSION" ]; then
    log "initdb into $data_dir/data"
    as_owner "$bin/initdb" -D "$data_dir/data" -U "$superuser" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$data_dir/initdb.log" 2>&1 ||
      { tail -n 20 "$data_dir/initdb.log" >&2; exit 1; }
  fi
  # Loopback only; the socket in the data directory (not /var/run/postgresql, which may not be ours).
  as_owner "$bin/pg_ctl" start -D "$data_dir/data" -l "$data_dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=$host -p $port -c unix_socket_directories=$data_dir/data" >/dev/null ||
    { log "did not start; last lines of $data_dir/postgres.log:"; tail -n 20 "$data_dir/postgres.log" >&2; exit 1; }
  if ! as_owner "$bin/psql" -h "$host" -p "$port" -U "$superuser" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    as_owner "$bin/createdb" -h "$host" -p "$port" -U "$superuser" "$database"
  fi
  log "ready on $host:$port (database $database, user $superuser)"
}

stop() {
  if ! running; then log "not running"; return 0; fi
  as_owner "$(bin_dir)/pg_ctl" stop -D "$data_dir/data" -m fast -w >/dev/null
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) bin_dir >/dev/null && running && ready && { log "running on $host:$port"; exit 0; } || { log "not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
