#!/usr/bin/env bash
# npm test: type check and build, unit tests, then the conformance suite on the reference target,
# on the docker target when dockerd is installed, and on docker26 when its bundle is fetched.
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
node scripts/build-protos.mjs
node scripts/bundle.mjs
node scripts/build-native.mjs

echo "== unit tests"
node --test --test-reporter=spec $(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)

targets=reference
if command -v dockerd >/dev/null 2>&1; then
  targets=reference,docker
else
  echo "== dockerd is not installed: the docker target is not run (apt-get install docker.io to compare with real Docker)"
fi
# --- docker26: dockerd 26.1 beside 20.10 when install-deps has fetched its bundle
if [[ "${targets}" == *docker* ]]; then
  if node dist/bin/dockspec.js doctor --target docker26 >/dev/null 2>&1; then
    targets="${targets},docker26"
  else
    echo "== the docker26 bundle is not fetched: docker26 is not run (dockspec install-deps --target docker26)"
  fi
fi
# --- end docker26
echo "== conformance suite: ${targets}"
node dist/bin/dockspec.js run --target "${targets}" ${DOCKSPEC_TEST_ARGS:-}
