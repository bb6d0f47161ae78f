#!/bin/sh
# Kernel-hang drill for the OpenStack harness: freezes every process that lives on HOST (its
# nova-compute and everything registered in data/bmc/HOST/linked/*.pid) with SIGSTOP. Nothing dies,
# nothing reports, the BMC still reads On: what a hung kernel looks like from outside. A BMC power-off
# (Vigil's fencing) SIGKILLs the frozen processes; power-on starts them again.
# Usage: freeze-host.sh HARNESS_DIR HOST
set -eu
H=$1; HOST=$2
for pf in "$H/run/nova-compute-$HOST.pid" "$H/data/bmc/$HOST/linked"/*.pid; do
  [ -f "$pf" ] && kill -STOP "$(cat "$pf")"
done
exit 0
