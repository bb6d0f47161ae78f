#!/usr/bin/env bash
# Installs the Debian packages Vigil's demo and tests need, when missing (as root via apt-get),
# or stops with a clear message naming them.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [[ "${1:-}" == "--tests" ]]; then
  command -v ipmitool >/dev/null 2>&1 || need+=(ipmitool)
  command -v ipmi_sim >/dev/null 2>&1 || need+=(openipmi)
  command -v fence_ipmilan >/dev/null 2>&1 || [[ -x /usr/sbin/fence_ipmilan ]] || need+=(fence-agents)
  # promtool checks the shipped rules, rule unit tests, scrape config, a live scrape and the Grafana
  # dashboard's queries (Debian's prometheus package, about 96 MB installed).
  command -v promtool >/dev/null 2>&1 || need+=(prometheus)
  # The operator view's browser tests drive Debian's Chromium through playwright-core (no browser download).
  [[ -x /usr/bin/chromium ]] || need+=(chromium)
  # The openstack-cli integration test drives the real `openstack segment ...` client. Debian's
  # interpreter, not whatever python3 is first on PATH (a pyenv shim cannot see dist-packages).
  if ! command -v openstack >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import masakariclient' >/dev/null 2>&1; then
    need+=(python3-openstackclient python3-masakariclient)
  fi
fi
if ((${#need[@]} == 0)); then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "vigil: missing system packages: ${need[*]}" >&2
  echo "vigil: install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "vigil: installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || true
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
