#!/usr/bin/env bash
# Whole-command cost of a compute claim as a developer runs it, by capacity: `zkgov keygen`
# (once per capacity, cached) and `zkgov prove compute` on a full ledger (every slot a record:
# mixed accelerators, random devices and durations), timed as whole processes with /usr/bin/time
# (wall clock, peak RSS), then `zkgov verify`. Also the proving key file's size.
#
#   bash benches/scale.sh [CAPACITY ...]      (default: 1024 8192; RUNS=3 proofs per capacity)
#
# Capacity 65536 (about 7.6 million constraints) needs about 12 GB for key generation and
# several minutes; keys are cached in ZKGOV_SCALE_DIR (default ~/.cache/zkgov-scale).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
capacities=("$@")
[ ${#capacities[@]} -gt 0 ] || capacities=(1024 8192)
cache=${ZKGOV_SCALE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-scale}
mkdir -p "$cache"
cargo build --release --quiet
z="$PWD/target/release/zkgov"
version=$(cat crates/circuits/src/*.rs crates/prover/src/keys.rs crates/engine/src/matrices.rs | sha256sum | cut -c1-12)
peaks=(--peak H100=989.4e12 --peak A100=312e12 --peak H200=989.4e12)
printf '%-9s %-12s %-10s %-14s %-22s %-10s\n' capacity keygen key-file "prove (median)" "prove peak RSS" verify
for cap in "${capacities[@]}"; do
    dir="$cache/c$cap-$version"
    mkdir -p "$dir"
    python3 - "$cap" "$dir/ledger.csv" <<'EOF'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(n)
with open(path, "w") as f:
    f.write("accelerator,devices,seconds\n")
    for _ in range(n):
        f.write(f"{random.choice(['H100', 'H100', 'A100', 'H200'])},{random.randint(1, 512)},{random.randint(60, 86400)}\n")
EOF
    keygen="cached"
    if ! ls "$dir"/keys/*.pk >/dev/null 2>&1; then
        rm -rf "$dir/keys"
        keygen=$(/usr/bin/time -f "%e s / %M" "$z" keygen --circuit compute --capacity "$cap" \
            --keys "$dir/keys" --json 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f s/%.1f GB", $1, $4/1048576}')
    fi
    size=$(du -b "$dir"/keys/*.pk | awk '{printf "%.0f MB", $1/1e6}')
    walls=()
    rss=0
    for run in $(seq 1 "$runs"); do
        out=$(/usr/bin/time -f "TIME %e %M" "$z" prove compute --ledger "$dir/ledger.csv" "${peaks[@]}" \
            --threshold 1e30 --keys "$dir/keys" --seed-file "$dir/seed" --out "$dir/bundle.json" 2>&1)
        walls+=("$(echo "$out" | awk '/^TIME/ {print $2}')")
        r=$(echo "$out" | awk '/^TIME/ {print $3}')
        [ "$r" -gt "$rss" ] && rss=$r
        echo "  capacity $cap run $run: ${walls[-1]} s, $((r / 1024)) MiB" >&2
    done
    median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    verify=$(/usr/bin/time -f "%e" "$z" verify "$dir/bundle.json" --keys "$dir/keys" 2>&1 >/dev/null | tail -1)
    printf '%-9s %-12s %-10s %-14s %-22s %-10s\n' "$cap" "$keygen" "$size" "$median s" "$((rss / 1024)) MiB" "$verify s"
done
