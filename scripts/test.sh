#!/usr/bin/env bash
# The whole gate: system packages, npm packages, then format, lint, typecheck, cycles and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-deps.sh --tests
scripts/ensure-node-deps.sh
npm run check
