#!/usr/bin/env bash
# Stop the private PostgreSQL cluster started by ci/postgres/up.sh (pg_ctl stop -m fast). The data
# stays; up.sh starts it again. Prints exactly one line:
#   postgres: stopped | postgres: not running    exit 0
#   postgres: not stopped: <reason>              exit 1
set -euo pipefail

D="${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-postgres"
C="$D"
if [ -L "$D/cluster" ]; then C="$(readlink "$D/cluster")"; fi # see up.sh: where postgres cannot reach $D
DATA="$C/data"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ ! -s "$DATA/PG_VERSION" ] || [ -z "$BIN" ]; then
    echo "postgres: not running (no cluster in $DATA)"
    exit 0
fi
cd /
pgctl() { runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" "$@"; }
if ! pgctl status >/dev/null 2>&1; then
    echo "postgres: not running"
    exit 0
fi
if out="$(pgctl -w -t 60 -m fast stop 2>&1)"; then
    echo "postgres: stopped"
else
    echo "postgres: not stopped: $(echo "$out" | tail -1)"
    exit 1
fi
