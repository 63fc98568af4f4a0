#!/usr/bin/env bash
# Stop the one-node Slurm cluster started by ci/slurm/up.sh: slurmd, slurmctld, slurmdbd, MariaDB,
# and munged if up.sh started it. State (job ids, accounting DB) stays in $ZKGOV_SLURM_DIR;
# `down.sh --purge` also deletes that directory (next up.sh starts from scratch).
set -euo pipefail
D="${ZKGOV_SLURM_DIR:-/tmp/zkgov-slurm}"

alive() { # name pidfile
    local pid
    pid="$(tr -dc 0-9 2>/dev/null <"$2")" || return 1 # the daemon may remove it meanwhile
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$1" ]
}
stop() { # name pidfile
    local pid i
    alive "$1" "$2" || return 0
    pid="$(tr -dc 0-9 2>/dev/null <"$2")" || return 0
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do
        if ! alive "$1" "$2"; then echo "stopped $1 ($pid)"; return 0; fi
        sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
    echo "killed $1 ($pid)"
}

stop slurmd "$D/run/slurmd.pid"
stop slurmctld "$D/run/slurmctld.pid"
stop slurmdbd "$D/run/slurmdbd.pid"
stop mariadbd "$D/run/mariadbd.pid"
if [ -e "$D/run/munged.ours" ]; then
    stop munged /run/munge/munged.pid
    rm -f "$D/run/munged.ours"
fi
if [ "${1:-}" = "--purge" ]; then
    if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$D/etc/slurm.conf" ]; then
        rm -f /etc/slurm/slurm.conf
    fi
    rm -rf "$D"
    echo "removed $D"
fi
