#!/usr/bin/env bash
# Records the real Masakari's answers to the differential test's script into
# test/compat/masakari-recording.json. Needs a Masakari on $MASAKARI_URL (default
# http://127.0.0.1:15868) with a nova-compute host "compute3", and Keystone on $OS_AUTH_URL
# (default http://127.0.0.1:5000/v3) with admin/admin. It creates one segment named
# compat-<random>-seg with compute3 in it, two notifications, and deletes the segment and host.
set -euo pipefail
cd "$(dirname "$0")/../.."
auth_url="${OS_AUTH_URL:-http://127.0.0.1:5000/v3}"
token=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -X POST "$auth_url/auth/tokens" -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"${OS_USERNAME:-admin}\",\"domain\":{\"name\":\"Default\"},\"password\":\"${OS_PASSWORD:-admin}\"}}},\"scope\":{\"project\":{\"name\":\"${OS_PROJECT_NAME:-admin}\",\"domain\":{\"name\":\"Default\"}}}}}" | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx tsc --outDir "$out" --module commonjs --target es2022 --strict --skipLibCheck --types node \
  test/compat/masakari-compat.ts test/compat/record-masakari.ts
OS_TOKEN="$token" node "$out/record-masakari.js" test/compat/masakari-recording.json
echo "recorded test/compat/masakari-recording.json"
