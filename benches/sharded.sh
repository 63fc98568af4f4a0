#!/usr/bin/env bash
# A sharded compute claim over a large synthetic Slurm ledger, proved with the local executor:
# ledger generation (benches/gen_sacct_ledger.py), keygen, `zkgov plan compute`, `zkgov run-plan
# --local`, `zkgov verify`, each timed with /usr/bin/time -v (wall time, CPU time, peak RSS); then
# one shard task and the aggregation task alone (`zkgov prove shard` / `prove aggregate` after
# removing their outputs), which is what each Slurm task costs; and the wall time modelled for
# clusters of 8, 64 and 512 nodes from the measured per-task times (one task per node at a time).
#
# usage: bash benches/sharded.sh [ALLOCATIONS (default 1000000)] [SHARD CAPACITY (default 4096)]
# Work directory: $ZKGOV_SHARDED_DIR (default ~/.cache/zkgov-sharded), reused (keys and ledger are
# kept between runs). Needs /usr/bin/time (Debian package `time`).
set -euo pipefail
n="${1:-1000000}"
cap="${2:-4096}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${ZKGOV_SHARDED_DIR:-$HOME/.cache/zkgov-sharded}/n$n-c$cap"
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
z="$root/target/release/zkgov"
cd "$work"
timed() { # name command...
    local name="$1"; shift
    /usr/bin/time -v "$@" > "$name.out" 2> "$name.time" || { cat "$name.time" >&2; exit 1; }
    local wall cpu_u cpu_s rss
    wall=$(grep "Elapsed (wall" "$name.time" | awk '{print $NF}')
    cpu_u=$(grep "User time" "$name.time" | awk '{print $NF}')
    cpu_s=$(grep "System time" "$name.time" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$name.time" | awk '{print $NF}')
    printf '%-22s wall %-9s cpu %7.1f s  peak RSS %6d MiB\n' "$name" "$wall" \
        "$(echo "$cpu_u + $cpu_s" | bc)" "$((rss / 1024))"
}
[ -f ledger.psv ] || timed generate python3 "$root/benches/gen_sacct_ledger.py" "$n" ledger.psv
echo "ledger: $(wc -l < ledger.psv) lines, $(du -h ledger.psv | cut -f1)"
slots=16; [ "$(( (n + cap - 1) / cap ))" -gt 16 ] && slots=256
[ -d keys ] || {
    timed keygen-shard "$z" keygen --circuit shard --capacity "$cap" --keys keys
    timed keygen-aggregate "$z" keygen --circuit aggregate --capacity "$slots" --keys keys
}
rm -rf plan
timed plan "$z" plan compute --ledger ledger.psv --peak H100=989.4e12 --peak A100=312e12 \
    --peak H200=989.4e12 --threshold 1e29 --policy-id eu-ai-act-art51 --epoch 2026 \
    --shards-of "$cap" --keys keys --out plan
timed run-plan "$z" --json run-plan plan --local
timed verify "$z" verify plan/bundle.json --keys keys
shards=$(ls plan/shards | wc -l)
echo "shards: $shards; bundle $(du -h plan/bundle.json | cut -f1)"
# One task of each kind alone, as a Slurm task runs it.
rm plan/shards/000001.json
timed one-shard-task "$z" prove shard plan --index 1
timed aggregate-task "$z" prove aggregate plan
shard_s=$(grep "Elapsed (wall" one-shard-task.time | awk '{print $NF}' | awk -F: '{print ($1 * 60) + $2}')
agg_s=$(grep "Elapsed (wall" aggregate-task.time | awk '{print $NF}' | awk -F: '{print ($1 * 60) + $2}')
for nodes in 8 64 512; do
    rounds=$(( (shards + nodes - 1) / nodes ))
    echo "modelled wall time on $nodes nodes: $rounds round(s) x ${shard_s} s + aggregate ${agg_s} s = $(echo "$rounds * $shard_s + $agg_s" | bc) s (plus the plan, run once)"
done
