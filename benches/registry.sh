#!/usr/bin/env bash
# The disclosure registry under load and under faults, whole-process (the real `zkgov registry
# serve`; the bench process is the client):
#   1. benches/registry_load.rs against SQLite: ENTRIES publications by one writer while READERS
#      threads read (entry, inclusion proof, checkpoint, list); appends/s, reads/s, read latency
#      p50/p90/p99/max, non-2xx counts, server peak RSS, database size, a from-scratch check of the
#      whole log through the API, and the restart time.
#   2. the same against PostgreSQL, in a fresh database (dropped afterwards), if
#      ZKGOV_TEST_POSTGRES_URL is set or ci/postgres/up.sh starts a cluster.
#   3. the fault loop: ZKGOV_REGISTRY_KILLS (100) SIGKILLs in the middle of appends on SQLite
#      (tests/registry.rs kill_9_in_the_middle…). The PostgreSQL variant of that test
#      (postgres_store_survives_kill_9…) hard-codes 5 kills and is left to the test suite.
# Time on 2 cores, at the defaults: bundle generation dominates (~100 ms per bundle wall, ~17 min
# for 10,000, made once and cached in ZKGOV_LOAD_BUNDLES for both databases), the load itself a
# few minutes per database, the kill loop a few minutes. Run it on a quiet machine.
#
# usage: bash benches/registry.sh
# Env: ZKGOV_LOAD_ENTRIES (10000), ZKGOV_LOAD_READERS (50), ZKGOV_LOAD_WRITERS (1),
#      ZKGOV_REGISTRY_KILLS (100), ZKGOV_TEST_POSTGRES_URL (postgres://… of a role with CREATEDB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo bench --bench registry_load --no-run
# One set of bundles (and their key) for both databases.
export ZKGOV_LOAD_BUNDLES="${ZKGOV_LOAD_BUNDLES:-${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-registry-load}"

echo "== load, SQLite"
ZKGOV_LOAD_DATABASE= cargo bench --bench registry_load

echo "== load, PostgreSQL"
pg="${ZKGOV_TEST_POSTGRES_URL:-}"
if [ -z "$pg" ] && bash ci/postgres/up.sh; then
    pg="$(cat "${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-postgres/url")"
fi
if [ -n "$pg" ]; then
    db="zkgov_load_$$"
    psql "$pg" -qc "CREATE DATABASE $db"
    trap 'psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
    ZKGOV_LOAD_DATABASE="${pg%/*}/$db" cargo bench --bench registry_load
else
    echo "SKIPPED: no PostgreSQL (set ZKGOV_TEST_POSTGRES_URL)"
fi

echo "== kill -9 in the middle of appends, SQLite"
ZKGOV_REGISTRY_KILLS="${ZKGOV_REGISTRY_KILLS:-100}" \
    cargo test --release --test registry kill_9_in_the_middle -- --nocapture
