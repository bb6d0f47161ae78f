#!/usr/bin/env bash
# promtool checks of what Vigil ships and serves. promtool comes with Debian's `prometheus` package
# (about 96 MB installed; scripts/ensure-system-deps.sh --tests installs it for the suite):
#   scripts/check-prometheus.sh                 # the shipped rules, their unit tests, the scrape config
#   scripts/check-prometheus.sh http://127.0.0.1:15868/metrics   # and a live scrape
# The suite runs the same checks (test/integration/metrics-cluster.int-spec.ts), and checks the Grafana
# dashboard's queries (test/integration/grafana-dashboard.int-spec.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v promtool >/dev/null || { echo "promtool not found: apt-get install prometheus" >&2; exit 2; }
promtool check rules deploy/prometheus/vigil-rules.yaml
promtool test rules deploy/prometheus/vigil-rules.test.yaml
promtool check config deploy/prometheus/prometheus.example.yaml
if [ $# -gt 0 ]; then
  curl -fsS "$1" | promtool check metrics
fi
