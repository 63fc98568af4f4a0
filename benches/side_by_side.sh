#!/usr/bin/env bash
# Side by side: zkgov's prover, stock ark-groth16 and circom/snarkjs on the same compute claim
# (same records, salts and public inputs; benches/circom/compute.circom is the circom version of
# crates/circuits/src/ledger.rs), run alternately, with medians, ratios and peak memory.
#
#   bash benches/side_by_side.sh [CAPACITY ...]      (default: 1024 8192; RUNS=3)
#
# SETUP_ONLY=1 prepares the keys, circom compilation and zkey of each capacity and stops.
#
# Needs node and npm (circom2, circomlib and snarkjs 0.7.6 are installed into the cache
# directory, ZKGOV_SIDE_BY_SIDE_DIR, default ~/.cache/zkgov-side-by-side). Keys, compiled
# circuits, zkeys and the .ptau are cached there between runs.
#
# The .ptau and the snarkjs .zkey come from `cargo run --example sidebyside -- ptau | zkey`, which
# use KNOWN secrets; they are only good for timing. The .zkey is the one snarkjs' own `groth16
# setup` makes from that .ptau (sections 1-9 byte for byte, checked at capacities 1024 and 2048;
# SNARKJS_SETUP=1 runs snarkjs' setup instead), in seconds rather than snarkjs' hour and more at
# capacity 8192. snarkjs verifies every proof it makes here, and the zkgov and stock proofs are
# checked with stock verify.
#
# Timing: zkgov and stock report their proving time (key already loaded; zkgov's one-off
# constraint matrices, kept by a long-running prover, are reported apart); every tool is also timed
# as a whole process (/usr/bin/time: wall clock and peak RSS). snarkjs is timed as `groth16
# fullprove` (witness calculation and proof) and has no in-process figure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
capacities=("$@")
[ ${#capacities[@]} -gt 0 ] || capacities=(1024 8192)
cache=${ZKGOV_SIDE_BY_SIDE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-side-by-side}
mkdir -p "$cache"
nm="$cache/node_modules"
if [ ! -f "$nm/snarkjs/cli.js" ] || [ ! -f "$nm/circom2/cli.js" ] || [ ! -d "$nm/circomlib" ]; then
    echo "installing circom2, circomlib and snarkjs into $cache" >&2
    npm install --silent --no-audit --no-fund --prefix "$cache" circom2 circomlib snarkjs@0.7.6
fi
snarkjs=(node "$nm/snarkjs/cli.js")
cargo build --release --quiet --example sidebyside
helper="$root/target/release/examples/sidebyside"
results="$cache/results.tsv"
: >"$results"

timed() { # timed TOOL CAPACITY RUN COMMAND...: appends "tool capacity run wall rss_kb prove_s prepare_s"
    local tool=$1 cap=$2 run=$3 out
    shift 3
    out=$(/usr/bin/time -f "TIME %e %M" "$@" 2>&1) || {
        echo "$tool failed at capacity $cap:" >&2
        echo "$out" >&2
        exit 1
    }
    local wall rss prove prepare
    wall=$(echo "$out" | awk '/^TIME/ {print $2}')
    rss=$(echo "$out" | awk '/^TIME/ {print $3}')
    prove=$(echo "$out" | sed -n 's/.*prove_seconds=\([0-9.]*\).*/\1/p')
    prepare=$(echo "$out" | sed -n 's/.*prepare_seconds=\([0-9.]*\).*/\1/p')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$cap" "$run" "$wall" "$rss" "${prove:--}" \
        "${prepare:--}" >>"$results"
    echo "  run $run $tool: ${wall} s wall, $((rss / 1024)) MiB peak${prove:+, prove ${prove} s}" >&2
}

# Cached setups are keyed by their sources: zkgov's keys by the Rust circuit sources, and the
# circom compilation and snarkjs setup (the slow part) by the generated main.circom and
# compute.circom, so a change in the Rust code alone does not redo snarkjs' setup.
version=$(cat benches/circom/compute.circom crates/prover/benches/common/mod.rs examples/sidebyside.rs crates/*/src/*.rs \
    | sha256sum | cut -c1-12)
for cap in "${capacities[@]}"; do
    dir="$cache/c$cap-$version"
    if [ ! -f "$dir/key-id" ]; then
        echo "capacity $cap: zkgov keys (once)" >&2
        rm -rf "$dir" "$dir.partial"
        "$helper" setup "$cap" "$dir.partial"
        mv "$dir.partial" "$dir"
    fi
    circom_dir="$cache/circom-$(cat "$dir/main.circom" benches/circom/compute.circom | sha256sum | cut -c1-12)"
    if [ ! -f "$circom_dir/compiled" ]; then
        echo "capacity $cap: circom compilation (once)" >&2
        rm -rf "$circom_dir"
        mkdir -p "$circom_dir"
        cp "$dir/main.circom" benches/circom/compute.circom "$circom_dir/"
        # circom2 runs under WASI and sees only the working directory: copy circomlib in.
        mkdir -p "$circom_dir/lib/circomlib"
        cp -r "$nm/circomlib/circuits" "$circom_dir/lib/circomlib/"
        (cd "$circom_dir" && node "$nm/circom2/cli.js" main.circom --r1cs --wasm --O2 -l lib -o . >circom.log)
        grep -i "constraints" "$circom_dir/circom.log" >&2
        touch "$circom_dir/compiled"
    fi
    if [ ! -f "$circom_dir/main.zkey" ]; then
        n=$(awk '/non-linear constraints/ {print $3}' "$circom_dir/circom.log")
        power=1
        while [ $((1 << power)) -lt $((n + 13)) ]; do power=$((power + 1)); done
        ptau="$cache/known-secrets-$power.ptau"
        [ -f "$ptau" ] || "$helper" ptau "$power" "$ptau"
        if [ -n "${SNARKJS_SETUP:-}" ]; then
            echo "capacity $cap: snarkjs groth16 setup (about 5 min at capacity 1024, 12 at 2048)" >&2
            "${snarkjs[@]}" groth16 setup "$circom_dir/main.r1cs" "$ptau" "$circom_dir/main.zkey.partial" >/dev/null
            mv "$circom_dir/main.zkey.partial" "$circom_dir/main.zkey"
        else
            echo "capacity $cap: zkey from the known secrets" >&2
            "$helper" zkey "$circom_dir/main.r1cs" "$power" "$circom_dir/main.zkey"
        fi
        "${snarkjs[@]}" zkey export verificationkey "$circom_dir/main.zkey" "$circom_dir/vk.json" >/dev/null
    fi
    ln -sfn "$circom_dir" "$dir/snarkjs"
    if [ -n "${SETUP_ONLY:-}" ]; then
        continue
    fi
    echo "capacity $cap: $runs alternating runs" >&2
    tools=(zkgov stock snarkjs)
    for run in $(seq 1 "$runs"); do
        for k in 0 1 2; do
            tool=${tools[$(((run + k) % 3))]}
            case $tool in
            snarkjs)
                timed snarkjs "$cap" "$run" "${snarkjs[@]}" groth16 fullprove "$dir/input.json" \
                    "$circom_dir/main_js/main.wasm" "$circom_dir/main.zkey" "$dir/proof.json" "$dir/public.json"
                "${snarkjs[@]}" groth16 verify "$circom_dir/vk.json" "$dir/public.json" "$dir/proof.json" \
                    | grep -q "OK" || { echo "snarkjs proof does not verify" >&2; exit 1; }
                ;;
            *) timed "$tool" "$cap" "$run" "$helper" prove "$tool" "$dir" ;;
            esac
        done
    done
done

[ -z "${SETUP_ONLY:-}" ] || exit 0
python3 - "$results" "$cache" "$version" <<'EOF'
import statistics, sys, os, re
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
cache, version = sys.argv[2], sys.argv[3]
caps = sorted({int(r[1]) for r in rows})
def med(tool, cap, col):
    v = [float(r[col]) for r in rows if r[0] == tool and int(r[1]) == cap and r[col] != "-"]
    return statistics.median(v) if v else float("nan")
def peak(tool, cap):
    return max(int(r[4]) for r in rows if r[0] == tool and int(r[1]) == cap) / 1024
print("capacity | constraints (zkgov / circom) | prove s: zkgov / stock | zkgov matrices s (once per key) | wall s: zkgov / stock / snarkjs | peak MiB: zkgov / stock / snarkjs | stock/zkgov (prove) | snarkjs/zkgov (prove) | snarkjs/zkgov (wall) | snarkjs/stock (wall)")
print("---|---|---|---|---|---|---|---|---|---")
for cap in caps:
    log = open(os.path.join(cache, f"c{cap}-{version}", "snarkjs", "circom.log")).read()
    circom = re.search(r"non-linear constraints: (\d+)", log).group(1)
    zk = open(os.path.join(cache, f"c{cap}-{version}", "constraints")).read().strip()
    pz, ps = med("zkgov", cap, 5), med("stock", cap, 5)
    wz, ws, wj = med("zkgov", cap, 3), med("stock", cap, 3), med("snarkjs", cap, 3)
    print(f"{cap} | {zk} / {circom} | {pz:.2f} / {ps:.2f} | {med('zkgov', cap, 6):.2f} | "
          f"{wz:.2f} / {ws:.2f} / {wj:.2f} | "
          f"{peak('zkgov', cap):.0f} / {peak('stock', cap):.0f} / {peak('snarkjs', cap):.0f} | "
          f"{ps / pz:.2f}x | {wj / pz:.2f}x | {wj / wz:.2f}x | {wj / ws:.2f}x")
EOF
