#!/usr/bin/env bash
# Starts or stops every service the tests and the workers need: Kafka, Redis, the Schema Registry and PostgreSQL.
#   bash scripts/services.sh start | stop | status
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
  start) bash "$here/redis.sh" start; bash "$here/kafka.sh" start; bash "$here/schema-registry.sh" start; bash "$here/postgres.sh" start ;;
  stop) bash "$here/postgres.sh" stop; bash "$here/schema-registry.sh" stop; bash "$here/kafka.sh" stop; bash "$here/redis.sh" stop ;;
  status) rc=0; bash "$here/redis.sh" status || rc=1; bash "$here/kafka.sh" status || rc=1; bash "$here/schema-registry.sh" status || rc=1; bash "$here/postgres.sh" status || rc=1; exit $rc ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
