#!/usr/bin/env bash
# Apache Kafka's own console producer (bin/kafka-console-producer.sh of a Kafka distribution:
# org.apache.kafka.tools.ConsoleProducer), for the version scripts/kafka.sh runs. The broker is
# installed from Maven jars without the tools, so they are fetched with Maven on first use into
# the same cache, beside the broker's lib.
#
#   bash scripts/kafka-console-producer.sh --bootstrap-server 127.0.0.1:9092 --topic posts --compression-codec lz4 < lines
#
# Environment: KAFKA_VERSION and KAFKA_CACHE_DIR as scripts/kafka.sh reads them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=${KAFKA_VERSION:-4.4.0}
cache_dir=${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/arbiter/kafka}
tools="$cache_dir/$version/tools"

if [ ! -f "$tools/.complete" ]; then
  command -v mvn >/dev/null || { echo "[kafka-tools] mvn not found: install Maven (apt-get install maven)" >&2; exit 1; }
  echo "[kafka-tools] fetching org.apache.kafka:kafka-tools:$version and dependencies with Maven into $tools" >&2
  rm -rf "$tools" && mkdir -p "$tools"
  mvn -q -B -Dstyle.color=never -f "$root/scripts/kafka/tools-pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -DoutputDirectory="$tools" -DincludeScope=runtime
  touch "$tools/.complete"
fi

exec java -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.properties" -cp "$tools/*" org.apache.kafka.tools.ConsoleProducer "$@"
