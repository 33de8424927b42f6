#!/usr/bin/env bash
# Installs what is missing, starts Kafka, Redis, the Schema Registry and PostgreSQL if they are not running,
# runs the gates (typecheck, lint, format, architecture), every test (unit + integration), and stops the
# services it started itself. Extra args go to jest; with --ci (CI's call) jest also measures coverage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh

started=()
cleanup() {
  for svc in "${started[@]}"; do bash "scripts/$svc.sh" stop || true; done
}
trap cleanup EXIT
for svc in redis kafka schema-registry postgres; do
  if ! bash "scripts/$svc.sh" status 2>/dev/null; then
    bash "scripts/$svc.sh" start
    started+=("$svc")
  fi
done

npm run typecheck
# The static gates, each also runnable alone. All three run, so one log shows every gate that fails.
gates_failed=()
for gate in lint format:check arch; do
  npm run "$gate" || gates_failed+=("$gate")
done
if [ ${#gates_failed[@]} -gt 0 ]; then
  echo "test-all: failed gates: ${gates_failed[*]} (the tests were not run)" >&2
  exit 1
fi

# CI prints a coverage figure (jest.config.js: babel-instrumented coverage of shared/ and workers/, text summary).
coverage=()
for arg in "$@"; do
  if [ "$arg" = --ci ]; then coverage=(--coverage); fi
done

mkdir -p .run
results=.run/jest-results.json
rm -f "$results"
status=0
# --forceExit: the integration tests run in jest's own process (two cores: one worker, in band), and a
# test that fails half-way can leave a Kafka or Redis client open, which would keep jest waiting
# forever after printing its results; the results are complete by then.
npm test -- --json --outputFile="$results" --forceExit "${coverage[@]}" "$@" || status=$?
# One plain closing line, whatever reads this log.
node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$PWD/$results" || true
exit $status
