#!/usr/bin/env bash
# The image's HEALTHCHECK: checks the entry point the container runs, named by the first argument or
# read from PID 1's command line (`tini -- node dist/apps/<app>/main.js`).
#   controller:   GET /healthz on VIGIL_API__PORT (default 15868). Liveness only, never Redis.
#   host-monitor: its peer listener accepts a TCP connection on VIGIL_MONITOR_PEER_LISTEN__PORT
#                 (default 15869); with VIGIL_MONITOR_PEER_LISTEN__ENABLED=false, the process being
#                 alive is all there is to check.
# A port set only in a mounted config file must also be given in the environment for this check.
set -euo pipefail
role="${1:-}"
if [[ -z "$role" ]]; then
  cmdline=$(tr '\0' ' ' </proc/1/cmdline 2>/dev/null || true)
  case "$cmdline" in
    *apps/host-monitor/*) role=host-monitor ;;
    *apps/controller/*) role=controller ;;
    *) echo "vigil-healthcheck: no Vigil entry point in PID 1 ($cmdline); pass controller or host-monitor" >&2; exit 1 ;;
  esac
fi
case "$role" in
  controller)
    exec curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${VIGIL_API__PORT:-15868}/healthz"
    ;;
  host-monitor)
    [[ "${VIGIL_MONITOR_PEER_LISTEN__ENABLED:-true}" == "false" ]] && exit 0
    exec 3<>"/dev/tcp/127.0.0.1/${VIGIL_MONITOR_PEER_LISTEN__PORT:-15869}"
    ;;
  *)
    echo "vigil-healthcheck: unknown role $role (controller or host-monitor)" >&2
    exit 1
    ;;
esac
