#!/usr/bin/env bash
# The README's first command. Builds Vigil, starts a simulated OpenStack cloud (Keystone, Nova, one
# Redfish BMC and one host monitor per host), the real controller (with its embedded Redis), powers one
# host off and prints the incident live. Then everything keeps running until Ctrl-C.
#   scripts/demo.sh            interactive
#   scripts/demo.sh --once     run the scenario, check the recovery, exit 0 only if it was correct
# Any cloud-sim flag passes through, e.g. --hosts 16 --instances 120 --rebuild-ms 3000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-deps.sh
scripts/ensure-node-deps.sh
echo "vigil demo: building the controller and cloud-sim..." >&2
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
for project in controller cloud-sim; do
  if ! npx --no-install nest build "$project" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "vigil demo: building $project failed" >&2
    exit 1
  fi
done
if ! npm run --silent build:ui >"$build_log" 2>&1; then
  cat "$build_log" >&2
  echo "vigil demo: building the operator view failed" >&2
  exit 1
fi
rm -f "$build_log"
trap - EXIT
exec node dist/apps/cloud-sim/main.js demo "$@"
