#!/usr/bin/env bash
# The cgroup-sensitive areas on both targets in the cgroup v2 guest (`dockspec vm`, docs/vm.md),
# then one report of this host's run and the guest's: reports/out/index.html gets a column per
# target and host, each marked with its cgroup version. .ci/run calls it after `npm test`.
#   DOCKSPEC_VM_TAGS     the areas (default: @isolation or @runtime or @shim)
#   DOCKSPEC_VM_TIMEOUT  seconds for the whole guest run, boot included (default 3600)
set -uo pipefail
cd "$(dirname "$0")/.."

tags=${DOCKSPEC_VM_TAGS:-@isolation or @runtime or @shim}
echo "== conformance suite in the cgroup v2 guest: reference,docker (tags ${tags})"
status=0
node dist/bin/dockspec.js vm --timeout "${DOCKSPEC_VM_TIMEOUT:-3600}" -- \
  "node dist/bin/dockspec.js run --target reference,docker --tags '${tags//\'/}'" || status=$?

runs=()
for dir in reports/out/reference reports/out/docker reports/out/vm/reference reports/out/vm/docker; do
  [ -f "$dir/messages.ndjson" ] && runs+=("$dir")
done
if [ ${#runs[@]} -gt 0 ]; then
  node dist/bin/dockspec.js report --out reports/out/index.html "${runs[@]}" || { [ "$status" -ne 0 ] || status=1; }
fi
exit "$status"
