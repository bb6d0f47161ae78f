#!/bin/sh
# Kernel-hang drill for the OpenStack harness: freezes every process that lives on HOST (its
# nova-compute and everything registered in data/bmc/HOST/linked/*.pid) with SIGSTOP. Nothing dies,
# nothing reports, the BMC still reads On: what a hung kernel looks like from outside. A BMC power-off
# (Vigil's fencing) SIGKILLs the frozen processes; power-on starts them again.
# With ADDRESS_FILE ("HOST ADDRESS" per line, written by the acceptance run), every packet to the host's
# own peer address is dropped first (iptables, comment vigil-acceptance-dead-host), so its peers' probes
# time out as with a hung kernel, instead of a stopped monitor's socket still completing handshakes in
# the shared kernel. The acceptance run removes the rule when the BMC powers the host on again.
# Usage: freeze-host.sh HARNESS_DIR HOST [ADDRESS_FILE]
set -eu
H=$1; HOST=$2; ADDRESSES=${3:-}
if [ -n "$ADDRESSES" ]; then
  ADDR=$(awk -v h="$HOST" '$1 == h { print $2 }' "$ADDRESSES")
  [ -n "$ADDR" ] || { echo "freeze-host: $HOST not in $ADDRESSES" >&2; exit 1; }
  RULE="INPUT -d $ADDR -m comment --comment vigil-acceptance-dead-host -j DROP"
  # shellcheck disable=SC2086 # the rule is words on purpose
  iptables -w -C $RULE 2>/dev/null || iptables -w -I $RULE
fi
for pf in "$H/run/nova-compute-$HOST.pid" "$H/data/bmc/$HOST/linked"/*.pid; do
  [ -f "$pf" ] && kill -STOP "$(cat "$pf")"
done
exit 0
