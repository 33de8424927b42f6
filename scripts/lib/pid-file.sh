# Sourced by the scripts that run a service in the background with a pid file (kafka.sh,
# schema-registry.sh). The caller sets `pid_file` and defines `log`.

# Echoes the pid of the pid file when that process runs and its command line holds $1.
pid_file_process() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null && grep -q "$1" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  return 1
}

# Stops the pid file's process (command line holding $1): SIGTERM, up to 30 s, then SIGKILL.
stop_pid_file_process() {
  local pid
  if ! pid=$(pid_file_process "$1"); then
    rm -f "$pid_file"
    log "not running"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; log "stopped"; return 0; }
    sleep 0.5
  done
  log "did not stop in 30s; killing"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}
