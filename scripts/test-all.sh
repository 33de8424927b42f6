#!/usr/bin/env bash
# Installs what is missing, starts Kafka, Redis and the Schema Registry if they are not running,
# runs every test (unit + integration), and stops the services it started itself. Extra args go to jest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh

started=()
cleanup() {
  for svc in "${started[@]}"; do bash "scripts/$svc.sh" stop || true; done
}
trap cleanup EXIT
for svc in redis kafka schema-registry; do
  if ! bash "scripts/$svc.sh" status 2>/dev/null; then
    bash "scripts/$svc.sh" start
    started+=("$svc")
  fi
done

npm run typecheck
mkdir -p .run
results=.run/jest-results.json
rm -f "$results"
status=0
# --forceExit: the integration tests run in jest's own process (two cores: one worker, in band), and a
# test that fails half-way can leave a Kafka or Redis client open, which would keep jest waiting
# forever after printing its results; the results are complete by then.
npm test -- --json --outputFile="$results" --forceExit "$@" || status=$?
# One plain closing line, whatever reads this log.
node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$PWD/$results" || true
exit $status
