#!/usr/bin/env bash
# Start a private PostgreSQL cluster (not the system service) on 127.0.0.1, for CI's database
# tests. Installs Debian's postgresql package if missing. Idempotent: a cluster already up is left
# running (it is restarted only when the generated settings change). Prints exactly one line:
#   postgres: up (<version>) <url>            exit 0
#   postgres: not started: <reason>           exit 1   (the caller falls back)
# The URL is also written to $D/url. Everything else goes to $D/up.log.
#
# The cluster: role zkgov (password zkgov, CREATEDB, so tests can create and drop their own
# databases) owning database zkgov_test; TCP on 127.0.0.1 only, password (scram-sha-256) auth;
# superuser access only as the postgres OS user over the unix socket. Durability settings are
# PostgreSQL's defaults (fsync and synchronous commit on), so that the registry's figures against
# it compare with SQLite's synchronous=FULL.
#
# Env: XDG_CACHE_HOME (default $HOME/.cache): D=$XDG_CACHE_HOME/zkgov-postgres holds the url file,
#      the log and, when the postgres OS user can reach it, the cluster (data/, run/ for the socket,
#      log/). Where it cannot (a $HOME of mode 700, as /root usually is), the cluster lives in
#      /var/lib/postgresql/zkgov instead, and $D/cluster names that directory.
#      ZKGOV_POSTGRES_PORT (54329): the loopback TCP port.
# Needs root (installs packages, runs the server as the postgres OS user). ci/postgres/down.sh
# stops it.
set -Eeuo pipefail

D="${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-postgres"
PORT="${ZKGOV_POSTGRES_PORT:-54329}"
ROLE=zkgov
PASSWORD=zkgov
DB=zkgov_test
URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
STEP="setup"

if [ "$(id -u)" != 0 ]; then
    echo "postgres: not started: needs root (installs packages, runs the server as user postgres)"
    exit 1
fi
mkdir -p "$D" 2>/dev/null || { echo "postgres: not started: cannot create $D"; exit 1; }
LOG="$D/up.log"
exec 3>&1 >>"$LOG" 2>&1
echo "=== up.sh $(date -Is)"
cd / # the postgres OS user may not be able to read the caller's directory

fail() { echo "postgres: not started: $*" >&3; exit 1; }
MAINPID=$BASHPID
on_err() {
    local rc=$?
    # With set -E the trap is inherited by $(...) subshells: report once, from the main shell.
    [ "$BASHPID" = "$MAINPID" ] || exit "$rc"
    echo "failed at step: $STEP (rc $rc, line ${BASH_LINENO[0]})"
    echo "postgres: not started: $STEP failed (see $LOG)" >&3
    exit 1
}
trap on_err ERR

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# --- 1. packages -------------------------------------------------------------------------------
STEP="installing postgresql"
BIN="$(pgbin || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ] || ! command -v psql >/dev/null 2>&1; then
    echo "missing: postgresql server or client"
    # Keep the package's maintainer scripts from starting the system cluster (we run our own);
    # only if the machine has no policy-rc.d of its own.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    ok=1
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } || ok=0
    if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "$ok" = 1 ] || fail "apt-get install postgresql failed (see $LOG)"
    BIN="$(pgbin || true)"
    [ -n "$BIN" ] && [ -x "$BIN/pg_ctl" ] || fail "no /usr/lib/postgresql/*/bin/pg_ctl after apt-get install"
fi
getent passwd postgres >/dev/null || fail "no postgres OS user"
as_pg() { runuser -u postgres -- "$@"; }

# --- 2. where the cluster lives ----------------------------------------------------------------
STEP="choosing the cluster directory"
if as_pg test -x "$D"; then
    C="$D"
    rm -f "$D/cluster"
else
    C=/var/lib/postgresql/zkgov
    echo "user postgres cannot reach $D: the cluster lives in $C"
    mkdir -p "$C"
    chown postgres:postgres "$C"
    ln -sfn "$C" "$D/cluster"
fi
DATA="$C/data"
SOCK="$C/run"
mkdir -p "$SOCK" "$C/log"
chown postgres:postgres "$SOCK" "$C/log"
PGLOG="$C/log/postgres.log"

# --- 3. initdb, once ---------------------------------------------------------------------------
STEP="initdb"
if [ ! -s "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    chown postgres:postgres "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
[ "$(cat "$DATA/PG_VERSION")" = "$(basename "$(dirname "$BIN")")" ] \
    || fail "$DATA is a PostgreSQL $(cat "$DATA/PG_VERSION") cluster but the server is $BIN (remove $DATA)"

# --- 4. config ---------------------------------------------------------------------------------
STEP="writing config"
# write_if_changed file: stdin to file (owned by postgres); status 0 when it changed.
write_if_changed() {
    local tmp="$1.new"
    cat >"$tmp"
    chown postgres:postgres "$tmp"
    chmod 600 "$tmp"
    if cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
    mv -f "$tmp" "$1"
}
restart=0
reload=0
write_if_changed "$DATA/zkgov.conf" <<EOF && restart=1
# Written by ci/postgres/up.sh: a private, disposable test cluster.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
EOF
if ! grep -qx "include 'zkgov.conf'" "$DATA/postgresql.conf"; then
    echo "include 'zkgov.conf'" >>"$DATA/postgresql.conf"
    restart=1
fi
write_if_changed "$DATA/pg_hba.conf" <<EOF && reload=1
# Written by ci/postgres/up.sh.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 peer
host    all       all   127.0.0.1/32  scram-sha-256
EOF

# --- 5. start ----------------------------------------------------------------------------------
STEP="starting the server"
pgctl() { as_pg "$BIN/pg_ctl" -D "$DATA" "$@"; }
# why the server did not start, from the end of its log (a port in use shows as "could not bind").
why() {
    tail -n 30 "$PGLOG" 2>/dev/null | grep -E 'could not bind|FATAL|PANIC' | head -1 \
        | sed -E 's/^.*\] (LOG|FATAL|PANIC): +//' || true
}
if pgctl status >/dev/null 2>&1; then
    if [ "$restart" = 1 ]; then
        echo "settings changed: restarting"
        pgctl -w -t 60 -m fast -l "$PGLOG" restart \
            || fail "restart failed: $(why) (see $PGLOG)"
    elif [ "$reload" = 1 ]; then
        pgctl reload
    fi
else
    # pg_ctl start puts the server in its own session: it outlives this script and its caller.
    pgctl -w -t 60 -l "$PGLOG" start \
        || fail "pg_ctl start failed: $(why) (see $PGLOG)"
fi

# --- 6. role and database ----------------------------------------------------------------------
STEP="creating role $ROLE and database $DB"
as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres <<EOF
SELECT format('CREATE ROLE %I', '$ROLE') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DB', '$ROLE') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB') \gexec
EOF

# --- 7. check the URL works --------------------------------------------------------------------
STEP="connecting as $ROLE over TCP"
VERSION="$(PGCONNECT_TIMEOUT=10 psql -X -At "$URL" -c 'SHOW server_version' | awk '{print $1}')" \
    || fail "cannot connect to $URL (see $LOG)"
umask 077
printf '%s\n' "$URL" >"$D/url.new" && mv -f "$D/url.new" "$D/url"
trap - ERR
echo "up: $VERSION $URL (cluster $C)"
echo "postgres: up ($VERSION) $URL" >&3
