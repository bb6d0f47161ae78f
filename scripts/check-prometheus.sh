#!/usr/bin/env bash
# promtool checks of what Vigil ships and serves. promtool comes with Debian's `prometheus` package
# (about 96 MB installed, so scripts/ensure-system-deps.sh does not install it); run this where it is
# installed:
#   scripts/check-prometheus.sh                 # check the shipped rules
#   scripts/check-prometheus.sh http://127.0.0.1:15868/metrics   # and a live scrape
# The suite runs the same checks (test/integration/metrics-cluster.int-spec.ts) when promtool is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v promtool >/dev/null || { echo "promtool not found: apt-get install prometheus" >&2; exit 2; }
promtool check rules deploy/prometheus/vigil-rules.yaml
if [ $# -gt 0 ]; then
  curl -fsS "$1" | promtool check metrics
fi
