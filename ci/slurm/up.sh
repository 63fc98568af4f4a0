#!/usr/bin/env bash
# Start a real one-node Slurm cluster (slurmctld + slurmd + slurmdbd/MariaDB + munge) on this
# machine, for CI. Idempotent: daemons already up are left alone. Prints exactly one line:
#   slurm: up (<version>, node <name>)          exit 0
#   slurm: cannot start: <reason>               exit 1   (the caller falls back)
# Everything else goes to $ZKGOV_SLURM_DIR/log/up.log.
#
# Env: ZKGOV_SLURM_DIR (default /tmp/zkgov-slurm): config, state, logs, pid files, the database.
#      ZKGOV_SLURM_DB_PORT (3307), ZKGOV_SLURM_CTLD_PORT (6817), ZKGOV_SLURM_SLURMD_PORT (6818),
#      ZKGOV_SLURM_DBD_PORT (6819): loopback TCP ports.
#      ZKGOV_SLURM_WAIT (60): seconds to wait for the node to be idle.
# Needs root (installs Debian packages, writes /etc/slurm/slurm.conf as a link to the generated one).
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
D="${ZKGOV_SLURM_DIR:-/tmp/zkgov-slurm}"
DB_PORT="${ZKGOV_SLURM_DB_PORT:-3307}"
CTLD_PORT="${ZKGOV_SLURM_CTLD_PORT:-6817}"
SLURMD_PORT="${ZKGOV_SLURM_SLURMD_PORT:-6818}"
DBD_PORT="${ZKGOV_SLURM_DBD_PORT:-6819}"
WAIT="${ZKGOV_SLURM_WAIT:-60}"
CLUSTER=zkgov
STEP="setup"

fail() { echo "slurm: cannot start: $*" >&3; exit 1; }

if [ "$(id -u)" != 0 ]; then
    echo "slurm: cannot start: needs root (installs packages, runs the daemons)"
    exit 1
fi
mkdir -p "$D"/{etc,log,run,state/ctld,state/slurmd,db} 2>/dev/null \
    || { echo "slurm: cannot start: cannot create $D"; exit 1; }
LOG="$D/log/up.log"
exec 3>&1 >>"$LOG" 2>&1
echo "=== up.sh $(date -Is)"
MAINPID=$BASHPID
on_err() {
    local rc=$?
    # With set -E the trap is inherited by $(...) subshells: report once, from the main shell.
    [ "$BASHPID" = "$MAINPID" ] || exit "$rc"
    echo "failed at step: $STEP (rc $rc, line ${BASH_LINENO[0]})"
    echo "slurm: cannot start: $STEP failed (see $LOG)" >&3
    exit 1
}
trap on_err ERR

export SLURM_CONF="$D/etc/slurm.conf"

# pid of a live daemon from its pid file, or nothing.
alive() { # name pidfile
    local pid
    pid="$(tr -dc 0-9 2>/dev/null <"$2")" || return 1 # the daemon may remove it meanwhile
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$1" ]
}
wait_for() { # seconds description command...
    local n="$1" what="$2"; shift 2
    local i
    for ((i = 0; i < n * 2; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    fail "$what"
}
stop_pidfile() { # name pidfile
    local pid i
    alive "$1" "$2" || return 0
    pid="$(tr -dc 0-9 2>/dev/null <"$2")" || return 0
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do alive "$1" "$2" || return 0; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
}

# --- 1. packages -------------------------------------------------------------------------------
STEP="installing packages"
need=()
for c in slurmctld slurmd slurmdbd sbatch sacct sacctmgr munged mariadbd mariadb mariadb-install-db; do
    command -v "$c" >/dev/null 2>&1 || need+=("$c")
done
if [ "${#need[@]}" -gt 0 ]; then
    echo "missing: ${need[*]}"
    pkgs=(slurm-wlm slurmdbd munge mariadb-server-core mariadb-client-core)
    # Keep the packages' maintainer scripts from starting system services (no systemd here, and
    # we run our own daemons); only if the machine has no policy-rc.d of its own.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}"; then
        apt-get update -q || true
        apt-get install -y -q --no-install-recommends "${pkgs[@]}" || {
            if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
            fail "apt-get install ${pkgs[*]} failed (see $LOG)"
        }
    fi
    if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    for c in "${need[@]}"; do
        command -v "$c" >/dev/null 2>&1 || fail "$c still missing after apt-get install"
    done
fi

# --- 2. config ---------------------------------------------------------------------------------
STEP="writing config"
NODE="$(hostname -s)"
[ -n "$NODE" ] || fail "hostname -s is empty"
CPUS="$(slurmd -C 2>/dev/null | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -1)"
[ -n "$CPUS" ] || CPUS="$(nproc)"
MEM="$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)"
[ -n "$MEM" ] || MEM="$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)"
MEM=$((MEM * 95 / 100)) # a little below what slurmd sees, so the node is never drained for memory
render() { # template output mode
    local tmp="$2.new"
    sed -e "s|@DIR@|$D|g" -e "s|@NODE@|$NODE|g" -e "s|@CPUS@|$CPUS|g" -e "s|@MEM@|$MEM|g" \
        -e "s|@DB_PORT@|$DB_PORT|g" -e "s|@CTLD_PORT@|$CTLD_PORT|g" \
        -e "s|@SLURMD_PORT@|$SLURMD_PORT|g" -e "s|@DBD_PORT@|$DBD_PORT|g" "$1" >"$tmp"
    chmod "$3" "$tmp"
    if cmp -s "$tmp" "$2"; then rm -f "$tmp"; return 1; fi
    mv -f "$tmp" "$2"
}
changed_slurm=0
changed_dbd=0
render "$HERE/slurm.conf.in" "$D/etc/slurm.conf" 644 && changed_slurm=1
render "$HERE/slurmdbd.conf.in" "$D/etc/slurmdbd.conf" 600 && changed_dbd=1
changed_db=0
render "$HERE/my.cnf.in" "$D/etc/my.cnf" 644 && changed_db=1
VERSION="$(sinfo --version | awk '{print $2}')" # needs a slurm.conf
# Client commands (sbatch, sinfo, sacct, ...) read /etc/slurm/slurm.conf unless SLURM_CONF is set.
mkdir -p /etc/slurm
if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" != "$D/etc/slurm.conf" ]; then
    ln -sfn "$D/etc/slurm.conf" /etc/slurm/slurm.conf
fi
if [ "$changed_slurm" = 1 ]; then
    echo "slurm.conf (re)written: restarting slurmctld/slurmd if running"
    stop_pidfile slurmd "$D/run/slurmd.pid"
    stop_pidfile slurmctld "$D/run/slurmctld.pid"
fi
if [ "$changed_dbd" = 1 ] || [ "$changed_db" = 1 ]; then stop_pidfile slurmdbd "$D/run/slurmdbd.pid"; fi
if [ "$changed_db" = 1 ]; then stop_pidfile mariadbd "$D/run/mariadbd.pid"; fi

# --- 3. munge ----------------------------------------------------------------------------------
STEP="starting munged"
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile=/etc/munge/munge.key --force
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
        fi
    fi
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    for d in /run/munge /var/lib/munge /var/log/munge; do mkdir -p "$d"; chown munge:munge "$d"; done
    chmod 755 /run/munge
    rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged
    touch "$D/run/munged.ours"
    wait_for 15 "munged did not answer (see /var/log/munge/munged.log)" \
        bash -c 'munge -n </dev/null | unmunge'
fi

# --- 4. MariaDB for slurmdbd -------------------------------------------------------------------
STEP="starting MariaDB"
DBSOCK="$D/db/mysqld.sock"
sql() { mariadb --no-defaults --protocol=socket -S "$DBSOCK" -uroot -N -e "$1"; }
if ! alive mariadbd "$D/run/mariadbd.pid"; then
    if [ ! -d "$D/db/data/mysql" ]; then
        rm -rf "$D/db/data"
        mariadb-install-db --defaults-file="$D/etc/my.cnf" --auth-root-authentication-method=socket \
            --skip-test-db >/dev/null
    fi
    rm -f "$DBSOCK"
    setsid mariadbd --defaults-file="$D/etc/my.cnf" </dev/null >>"$D/log/mariadbd.log" 2>&1 &
    wait_for 60 "MariaDB did not start (see $D/log/mariadbd.log)" sql 'SELECT 1'
fi
sql "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'zkgov-ci';
     GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"

# --- 5. slurmdbd + the cluster in accounting ---------------------------------------------------
STEP="starting slurmdbd"
if ! alive slurmdbd "$D/run/slurmdbd.pid"; then
    slurmdbd
    wait_for 60 "slurmdbd did not answer (see $D/log/slurmdbd.log)" sacctmgr -n show cluster
fi
STEP="registering the cluster"
if ! sacctmgr -n -P show cluster format=cluster | grep -qx "$CLUSTER"; then
    sacctmgr -i add cluster "$CLUSTER"
fi

# --- 6. slurmctld + slurmd ---------------------------------------------------------------------
STEP="starting slurmctld"
if ! alive slurmctld "$D/run/slurmctld.pid"; then
    slurmctld
    wait_for 30 "slurmctld did not answer (see $D/log/slurmctld.log)" scontrol ping
fi
STEP="starting slurmd"
if ! alive slurmd "$D/run/slurmd.pid"; then
    slurmd
fi

# --- 7. wait until the node takes jobs ---------------------------------------------------------
STEP="waiting for the node"
state=""
resumed=0
for ((i = 0; i < WAIT * 2; i++)); do
    state="$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -1 || true)"
    case "$state" in
        idle | mixed | allocated | completing) break ;;
        drained* | draining* | down*)
            if [ "$resumed" = 0 ]; then
                scontrol update nodename="$NODE" state=resume || true
                resumed=1
            fi
            ;;
    esac
    sleep 0.5
done
case "$state" in
    idle | mixed | allocated | completing) ;;
    *)
        reason="$(sinfo -h -N -n "$NODE" -o %E 2>/dev/null | head -1 || true)"
        fail "node $NODE is '${state:-unknown}' after ${WAIT}s${reason:+ ($reason)} (see $D/log)"
        ;;
esac
trap - ERR
echo "up: $VERSION node $NODE state $state"
echo "slurm: up ($VERSION, node $NODE)" >&3
