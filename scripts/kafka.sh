#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) from Maven Central jars.
#
#   bash scripts/kafka.sh start    # fetch jars if missing, format if needed, start, wait until ready
#   bash scripts/kafka.sh stop     # stop the broker this script started
#   bash scripts/kafka.sh status   # exit 0 when running and accepting connections
#   bash scripts/kafka.sh reset    # stop and wipe the data dir
#
# Settings (environment):
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version        (default 4.4.0)
#   KAFKA_HOST             listener address                           (default 127.0.0.1)
#   KAFKA_PORT             client (PLAINTEXT) port                    (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port                      (default 9093)
#   KAFKA_DATA_DIR         log dirs, pid file and broker.log          (default .run/kafka)
#   KAFKA_CACHE_DIR        where the jars are kept between runs       (default ~/.cache/arbiter/kafka)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness              (default 120)
#   KAFKA_HEAP_OPTS        JVM heap                                   (default -Xms256m -Xmx1g)
#
# A SASL_SSL listener instead of PLAINTEXT (the tests' private brokers of test/support/private-services.ts):
#   KAFKA_SECURITY              plaintext | sasl_ssl                      (default plaintext)
#   KAFKA_SSL_KEYSTORE          PKCS12 file: the broker's key and certificate chain
#   KAFKA_SSL_KEYSTORE_PASSWORD its password
#   KAFKA_SSL_TRUSTSTORE        PEM file: the CA certificates the broker trusts (clients', inter-broker)
#   KAFKA_SSL_CLIENT_AUTH       none | requested | required: client certificates   (default none)
#   KAFKA_SASL_USERS            user:password[,user:password...]: PLAIN and SCRAM-SHA-256/512 logins;
#                               the first is also the broker's own inter-broker login
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${KAFKA_VERSION:-4.4.0}
host=${KAFKA_HOST:-127.0.0.1}
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
data_dir=${KAFKA_DATA_DIR:-$root/.run/kafka}
cache_dir=${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/arbiter/kafka}
timeout=${KAFKA_START_TIMEOUT:-120}
heap=${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}
security=${KAFKA_SECURITY:-plaintext}

lib="$cache_dir/$version/lib"
logs="$data_dir/logs"
config="$data_dir/server.properties"
pid_file="$data_dir/broker.pid"
broker_log="$data_dir/broker.log"
# What the data dir was formatted for; a mismatch means the dir is stale and is reformatted.
stamp="kafka=$version host=$host port=$port controller=$controller_port"
# SCRAM credentials are written into the metadata log at format time: other users mean a reformat.
if [ "$security" != "plaintext" ]; then stamp="$stamp security=$security users=$(printf '%s' "${KAFKA_SASL_USERS:-}" | sha256sum | cut -c1-16)"; fi

log() { echo "[kafka] $*" >&2; }
# shellcheck source=lib/pid-file.sh
. "$root/scripts/lib/pid-file.sh"

fetch_jars() {
  if [ -f "$lib/.complete" ]; then return; fi
  command -v mvn >/dev/null || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  log "fetching org.apache.kafka:kafka_2.13:$version and dependencies with Maven into $lib"
  rm -rf "$lib" && mkdir -p "$lib"
  mvn -q -B -Dstyle.color=never -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -DoutputDirectory="$lib" -DincludeScope=runtime
  touch "$lib/.complete"
}

running_pid() { pid_file_process "kafka.Kafka"; }

port_open() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

write_config() {
  mkdir -p "$data_dir"
  local listener
  case "$security" in
    plaintext) listener=PLAINTEXT ;;
    sasl_ssl) listener=SASL_SSL ;;
    *) log "KAFKA_SECURITY must be plaintext or sasl_ssl, got $security"; exit 1 ;;
  esac
  cat >"$config" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$controller_port
listeners=$listener://$host:$port,CONTROLLER://$host:$controller_port
advertised.listeners=$listener://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=$listener
listener.security.protocol.map=$listener:$listener,CONTROLLER:PLAINTEXT
log.dirs=$logs
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=67108864
message.max.bytes=4194304
EOF
  if [ "$security" = "sasl_ssl" ]; then write_sasl_ssl_config; fi
}

# One user:password per line, from KAFKA_SASL_USERS.
sasl_users() {
  [ -n "${KAFKA_SASL_USERS:-}" ] || { log "KAFKA_SECURITY=sasl_ssl needs KAFKA_SASL_USERS (user:password,...)"; exit 1; }
  tr ',' '\n' <<<"$KAFKA_SASL_USERS"
}

write_sasl_ssl_config() {
  local store=${KAFKA_SSL_KEYSTORE:?KAFKA_SECURITY=sasl_ssl needs KAFKA_SSL_KEYSTORE}
  local store_password=${KAFKA_SSL_KEYSTORE_PASSWORD:?KAFKA_SECURITY=sasl_ssl needs KAFKA_SSL_KEYSTORE_PASSWORD}
  local trust=${KAFKA_SSL_TRUSTSTORE:?KAFKA_SECURITY=sasl_ssl needs KAFKA_SSL_TRUSTSTORE}
  local first admin_user admin_password plain_users="" entry
  first=$(sasl_users | head -n 1)
  admin_user=${first%%:*}
  admin_password=${first#*:}
  # PLAIN checks passwords against the JAAS entries; SCRAM against the credentials format wrote.
  while IFS= read -r entry; do plain_users="$plain_users user_${entry%%:*}=\"${entry#*:}\""; done < <(sasl_users)
  local scram_login="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$admin_user\" password=\"$admin_password\";"
  # The file holds passwords.
  chmod 600 "$config"
  cat >>"$config" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$admin_user" password="$admin_password"$plain_users;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram_login
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram_login
ssl.keystore.type=PKCS12
ssl.keystore.location=$store
ssl.keystore.password=$store_password
ssl.key.password=$store_password
ssl.truststore.type=PEM
ssl.truststore.location=$trust
ssl.client.auth=${KAFKA_SSL_CLIENT_AUTH:-none}
EOF
}

format_if_needed() {
  if [ -f "$logs/meta.properties" ] && [ "$(cat "$data_dir/.formatted" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
  if [ -d "$logs" ]; then log "data dir $logs is stale (formatted for other settings or half-written): wiping it"; fi
  rm -rf "$logs" "$data_dir/.formatted"
  local id
  id=$(java -cp "$lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  local scram=() entry mechanism
  if [ "$security" = "sasl_ssl" ]; then
    while IFS= read -r entry; do
      for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do scram+=(--add-scram "$mechanism=[name=${entry%%:*},password=${entry#*:}]"); done
    done < <(sasl_users)
  fi
  java -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.properties" -cp "$lib/*" \
    kafka.tools.StorageTool format -t "$id" -c "$config" "${scram[@]}" >"$data_dir/format.log" 2>&1 ||
    { log "formatting failed:"; tail -n 20 "$data_dir/format.log" >&2; exit 1; }
  echo "$stamp" >"$data_dir/.formatted"
}

start() {
  if pid=$(running_pid) && port_open; then
    log "already running (pid $pid) on $host:$port"
    return 0
  fi
  if [ -f "$pid_file" ]; then log "removing stale pid file"; rm -f "$pid_file"; fi
  if port_open; then log "port $host:$port is taken by another process; set KAFKA_PORT"; exit 1; fi
  fetch_jars
  write_config
  format_if_needed
  log "starting Kafka $version on $host:$port (data: $data_dir)"
  : >"$broker_log"
  # shellcheck disable=SC2086
  nohup java $heap -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.properties" \
    -cp "$lib/*" kafka.Kafka "$config" >>"$broker_log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pid_file"
  local deadline=$((SECONDS + timeout))
  while [ $SECONDS -lt $deadline ]; do
    # Just alive: right after the fork the process may not have exec'd java yet.
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker exited during start; last lines of $broker_log:"
      tail -n 40 "$broker_log" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if port_open && grep -q "Kafka Server started" "$broker_log"; then
      log "ready after ${SECONDS}s"
      return 0
    fi
    sleep 0.5
  done
  log "not ready within ${timeout}s; last lines of $broker_log:"
  tail -n 40 "$broker_log" >&2
  stop
  exit 1
}

stop() { stop_pid_file_process "kafka.Kafka"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_pid >/dev/null && port_open && { log "running on $host:$port"; exit 0; } || { log "not running"; exit 1; } ;;
  reset) stop; rm -rf "$data_dir"; log "wiped $data_dir" ;;
  fetch) fetch_jars ;;
  *) echo "usage: $0 start|stop|status|reset|fetch" >&2; exit 2 ;;
esac
