#!/usr/bin/env bash
# npm test: type check and build, unit tests, then the conformance suite on the reference target,
# and on the docker target when dockerd is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# cucumber-js 13 and execa 10 need Node.js 22 or later; CI runs 24 (.ci/run).
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "dockspec needs Node.js 22 or 24; this is $(node --version) ($(command -v node))" >&2
  exit 1
fi
echo "== Node.js $(node --version) ($(command -v node))"

echo "== type check and build"
npx tsc -p tsconfig.json
node scripts/build-native.mjs

echo "== unit tests"
node --test --test-reporter=spec $(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)

targets=reference
if command -v dockerd >/dev/null 2>&1; then
  targets=reference,docker
else
  echo "== dockerd is not installed: the docker target is not run (apt-get install docker.io to compare with real Docker)"
fi
echo "== conformance suite: ${targets}"
node dist/bin/dockspec.js run --target "${targets}" ${DOCKSPEC_TEST_ARGS:-}
