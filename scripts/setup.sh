#!/usr/bin/env bash
# Installs what is missing, and only that: npm packages, the Kafka jars, the Schema Registry, Redis,
# PostgreSQL, Chromium (the console's browser tests), the test models.
# Safe to run again; each step is a no-op when its result is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { echo "[setup] $*" >&2; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

missing_apt=()
command -v mvn >/dev/null || missing_apt+=(maven)
command -v java >/dev/null || missing_apt+=(openjdk-17-jre-headless)
command -v redis-server >/dev/null || missing_apt+=(redis-server)
# Debian's PostgreSQL, the store of record (scripts/postgres.sh runs its own cluster in .run/postgres).
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing_apt+=(postgresql)
# Debian's chromium, driven by playwright-core in the console's tests (no browser download needed).
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing_apt+=(chromium)
if [ ${#missing_apt[@]} -gt 0 ]; then
  log "apt-get install ${missing_apt[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing_apt[@]}" >/dev/null
fi

bash scripts/kafka.sh fetch
bash scripts/schema-registry.sh fetch
bash scripts/models.sh
log "done"
