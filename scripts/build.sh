#!/usr/bin/env bash
# `npm run build`: compiles shared/ and workers/ (tsconfig.build.json, no tests or benches) into
# dist/, laid out as the repository is, for plain `node dist/workers/classifier/main.js`.
#   --if-stale   build only when dist/ is missing or older than a source (what start.sh uses)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
stamp=dist/.built
if [ "${1:-}" = "--if-stale" ] && [ -f "$stamp" ] &&
  [ -z "$(find shared workers -path '*/node_modules' -prune -o -newer "$stamp" -type f -print -quit)" ] &&
  [ -z "$(find tsconfig.base.json tsconfig.build.json scripts/build.sh -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "[build] compiling to dist/"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
# Read at run time by path, next to the code that reads them.
cp -R shared/codec/schemas dist/shared/codec/schemas
cp -R shared/record/migrations dist/shared/record/migrations
# `@arbiter/shared/<folder>/<file>.js` in compiled code: Node looks in the nearest node_modules
# first, so from dist/ it finds the compiled library, not the workspace's TypeScript.
mkdir -p dist/node_modules/@arbiter
ln -sr dist/shared dist/node_modules/@arbiter/shared
# A workspace's own node_modules (a version the root does not hoist, e.g. the CLI's commander 14)
# must resolve from its compiled code too.
for ws in shared workers/*; do
  if [ -d "$ws/node_modules" ] && [ -d "dist/$ws" ]; then ln -sr "$ws/node_modules" "dist/$ws/node_modules"; fi
done
touch "$stamp"
