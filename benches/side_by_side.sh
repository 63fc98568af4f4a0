#!/usr/bin/env bash
# Side by side: zkgov, stock ark-groth16, rapidsnark and circom/snarkjs on the same compute claim
# (same records and public inputs; benches/circom/compute.circom is the circom version of
# crates/circuits/src/ledger.rs), run alternately, with medians, ratios and peak memory.
#
#   bash benches/side_by_side.sh [CAPACITY ...]      (default: 1024 8192; RUNS=3)
#
# SETUP_ONLY=1 prepares the keys, circom compilations (and circom's C++ witness generator) and zkey
# of each capacity and stops.
#
# Needs node and npm (circom2, circomlib and snarkjs 0.7.6 are installed into the cache
# directory, ZKGOV_SIDE_BY_SIDE_DIR, default ~/.cache/zkgov-side-by-side). Keys, compiled
# circuits, zkeys and the .ptau are cached there between runs.
#
# rapidsnark (iden3's C++ prover) runs when benches/build_rapidsnark.sh has built it into the cache
# directory (CACHE/rapidsnark/prover); otherwise the script says so in one line and goes on
# without it. With it, circom also compiles the circuit's C++ witness generator (`circom --c`, then
# `make` with the nlohmann/json headers the build script keeps; needs g++, libgmp-dev and nasm).
#
# The .ptau and the snarkjs .zkey come from `cargo run --example sidebyside -- ptau | zkey`, which
# use KNOWN secrets; they are only good for timing. The .zkey is the one snarkjs' own `groth16
# setup` makes from that .ptau (sections 1-9 byte for byte, checked at capacities 1024 and 2048;
# SNARKJS_SETUP=1 runs snarkjs' setup instead), in seconds rather than snarkjs' hour and more at
# capacity 8192. rapidsnark proves with the same .zkey. `snarkjs groth16 verify` checks every
# snarkjs and rapidsnark proof, stock verify every zkgov and stock proof of the example, and
# `zkgov verify` every bundle of the CLI.
#
# What is timed (every tool as a whole process under /usr/bin/time: wall clock and peak RSS):
# - zkgov command: `zkgov prove compute` on a CSV ledger of the claim's records, key from disk,
#   as a user runs it (the CLI's own random salt seed, so its commitment differs from the
#   example's; same records, peaks, threshold and capacity);
# - zkgov example / stock example: the sidebyside example proving in one process (key load, for
#   zkgov the constraint matrices, the proof, stock verify); they also report their in-process
#   proving time with the key loaded (and zkgov's matrices apart);
# - rapidsnark: two processes, circom's C++ witness generator then rapidsnark's prover; its wall
#   time is the SUM of the two, its peak RSS the larger of the two;
# - snarkjs: `groth16 fullprove` (witness calculation in WebAssembly and proof).
# Two tables are printed, never mixed: in-process against in-process (zkgov and stock only: the
# others have no in-process figure here) and whole process against whole process.
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
circom=(node "$nm/circom2/cli.js")
rapidsnark="$cache/rapidsnark/prover"
json_include="$cache/rapidsnark/include"
if [ -x "$rapidsnark" ] && [ -f "$json_include/nlohmann/json.hpp" ]; then
    with_rapidsnark=1
else
    with_rapidsnark=
    echo "rapidsnark skipped: $rapidsnark not found (build it with RAPIDSNARK_SRC=DIR FFIASM_SRC=DIR NLOHMANN_JSON_SRC=DIR bash benches/build_rapidsnark.sh)" >&2
fi
cargo build --release --quiet --example sidebyside --bin zkgov
helper="$root/target/release/examples/sidebyside"
zkgov="$root/target/release/zkgov"
results="$cache/results.tsv"
[ -n "${SETUP_ONLY:-}" ] || : >"$results"

timed() { # timed TOOL CAPACITY RUN COMMAND...: appends "tool capacity run wall rss_kb prove_s key_load_s"
    local tool=$1 cap=$2 run=$3 out
    shift 3
    out=$(/usr/bin/time -f "TIME %e %M" "$@" 2>&1) || {
        echo "$tool failed at capacity $cap:" >&2
        echo "$out" >&2
        exit 1
    }
    local wall rss prove load
    wall=$(echo "$out" | awk '/^TIME/ {print $2}')
    rss=$(echo "$out" | awk '/^TIME/ {print $3}')
    prove=$(echo "$out" | sed -n 's/.*prove_seconds=\([0-9.]*\).*/\1/p')
    load=$(echo "$out" | sed -n 's/.*key_load_seconds=\([0-9.]*\).*/\1/p')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$cap" "$run" "$wall" "$rss" "${prove:--}" \
        "${load:--}" >>"$results"
    echo "  run $run $tool: ${wall} s wall, $((rss / 1024)) MiB peak${prove:+, prove ${prove} s}" >&2
}

snarkjs_verify() { # snarkjs_verify TOOL VK PUBLIC PROOF
    "${snarkjs[@]}" groth16 verify "$2" "$3" "$4" | grep -q "OK" || {
        echo "the $1 proof does not verify (snarkjs groth16 verify)" >&2
        exit 1
    }
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
        # The example's records (crates/prover/benches/common/mod.rs: class i mod 2, 8 + i
        # devices, 3600 (1 + i) seconds) as a CSV ledger for the CLI.
        mkdir -p "$dir.partial/cli"
        awk -v n="$cap" 'BEGIN {
            print "accelerator,devices,seconds"
            for (i = 0; i < n; i++) printf "%s,%d,%d\n", (i % 2 ? "A100" : "H100"), 8 + i, 3600 * (1 + i)
        }' >"$dir.partial/cli/ledger.csv"
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
        (cd "$circom_dir" && "${circom[@]}" main.circom --r1cs --wasm --O2 -l lib -o . >circom.log)
        grep -i "constraints" "$circom_dir/circom.log" >&2
        touch "$circom_dir/compiled"
    fi
    if [ -n "$with_rapidsnark" ] && [ ! -x "$circom_dir/main_c_cpp/main_c" ]; then
        # Same compiler and flags as the .r1cs, so the witness has the .zkey's wire order. circom
        # reserves the name main with --c: it writes main_c_cpp/ and the program main_c (and would
        # name the .r1cs and wasm main_c too, hence a run of its own). Its sources are kept if
        # make fails or is interrupted.
        echo "capacity $cap: circom's C++ witness generator (once)" >&2
        start=$(date +%s)
        if [ ! -f "$circom_dir/main_c_cpp/Makefile" ]; then
            (cd "$circom_dir" && "${circom[@]}" main.circom --c --O2 -l lib -o . >circom-c.log)
        fi
        /usr/bin/time -f "make: %e s wall, %M KiB peak" make -s -C "$circom_dir/main_c_cpp" -j2 \
            CFLAGS="-std=c++11 -O3 -I. -I$json_include" >"$circom_dir/make-c.log" 2>&1 || {
            tail -20 "$circom_dir/make-c.log" >&2
            echo "capacity $cap: the C++ witness generator does not compile (log: $circom_dir/make-c.log)" >&2
            exit 1
        }
        echo "  circom --c and make took $(($(date +%s) - start)) s ($(tail -1 "$circom_dir/make-c.log"))" >&2
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
    tools=(zkgov-command zkgov stock snarkjs)
    [ -z "$with_rapidsnark" ] || tools+=(rapidsnark)
    for run in $(seq 1 "$runs"); do
        for k in $(seq 0 $((${#tools[@]} - 1))); do
            tool=${tools[$(((run + k) % ${#tools[@]}))]}
            case $tool in
            zkgov-command)
                rm -f "$dir/cli/bundle.json"
                timed zkgov-command "$cap" "$run" "$zkgov" prove compute --ledger "$dir/cli/ledger.csv" \
                    --peak H100=989.4e12 --peak A100=312e12 --threshold 1e30 --policy-id bench --epoch 1 \
                    --capacity "$cap" --keys "$dir" --key-id "$(cat "$dir/key-id")" --out "$dir/cli/bundle.json"
                "$zkgov" verify "$dir/cli/bundle.json" --keys "$dir" >/dev/null || {
                    echo "the zkgov command's bundle does not verify (zkgov verify)" >&2
                    exit 1
                }
                ;;
            snarkjs)
                rm -f "$dir/proof.json" "$dir/public.json"
                timed snarkjs "$cap" "$run" "${snarkjs[@]}" groth16 fullprove "$dir/input.json" \
                    "$circom_dir/main_js/main.wasm" "$circom_dir/main.zkey" "$dir/proof.json" "$dir/public.json"
                snarkjs_verify snarkjs "$circom_dir/vk.json" "$dir/public.json" "$dir/proof.json"
                ;;
            rapidsnark)
                rm -f "$dir/rs.wtns" "$dir/rs-proof.json" "$dir/rs-public.json"
                timed rapidsnark-witness "$cap" "$run" "$circom_dir/main_c_cpp/main_c" "$dir/input.json" "$dir/rs.wtns"
                timed rapidsnark-prover "$cap" "$run" "$rapidsnark" "$circom_dir/main.zkey" "$dir/rs.wtns" \
                    "$dir/rs-proof.json" "$dir/rs-public.json"
                snarkjs_verify rapidsnark "$circom_dir/vk.json" "$dir/rs-public.json" "$dir/rs-proof.json"
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
nan = float("nan")

def runs(tool, cap):
    return {int(r[2]): r for r in rows if r[0] == tool and int(r[1]) == cap}

def med(tool, cap, col):
    v = [float(r[col]) for r in runs(tool, cap).values() if r[col] != "-"]
    return statistics.median(v) if v else nan

def peak(tool, cap):
    v = [int(r[4]) for r in runs(tool, cap).values()]
    return max(v) / 1024 if v else nan

# rapidsnark: per run, the sum of its two processes' wall times and the larger of their peaks.
def rapidsnark(cap):
    w, p = runs("rapidsnark-witness", cap), runs("rapidsnark-prover", cap)
    both = sorted(set(w) & set(p))
    if not both:
        return nan, nan
    return (statistics.median(float(w[i][3]) + float(p[i][3]) for i in both),
            max(max(int(w[i][4]), int(p[i][4])) for i in both) / 1024)

def table(head, lines):
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for l in lines:
        print("| " + " | ".join(l) + " |")
    print()

f = lambda x, d=2: "-" if x != x else f"{x:,.{d}f}"
ratio = lambda a, b: "-" if a != a or b != b else f"{a / b:.2f}x"
constraints = {}
for cap in caps:
    log = open(os.path.join(cache, f"c{cap}-{version}", "snarkjs", "circom.log")).read()
    zk = open(os.path.join(cache, f"c{cap}-{version}", "constraints")).read().strip()
    circom = int(re.search(r"non-linear constraints: (\d+)", log).group(1))
    constraints[cap] = f"{int(zk):,} / {circom:,}"
head = ["capacity"] + [str(c) for c in caps]

print("(a) In process, key loaded: proving time, median s (zkgov and stock ark-groth16 only; "
      "rapidsnark and snarkjs are timed as whole processes only)\n")
table(head, [
    ["constraints zkgov / circom"] + [constraints[c] for c in caps],
    ["zkgov prepared prover: prove s"] + [f(med("zkgov", c, 5)) for c in caps],
    ["zkgov key load s (proving key and stored constraint matrices, not in prove)"] + [f(med("zkgov", c, 6)) for c in caps],
    ["stock key load s (proving key; synthesis with matrices is inside prove)"] + [f(med("stock", c, 6)) for c in caps],
    ["stock ark-groth16 Groth16::prove s"] + [f(med("stock", c, 5)) for c in caps],
    ["ratio: stock prove s ÷ zkgov prove s (in process)"]
    + [ratio(med("stock", c, 5), med("zkgov", c, 5)) for c in caps],
])

whole = [
    ("zkgov prove compute (the CLI command, key from disk)", lambda c: (med("zkgov-command", c, 3), peak("zkgov-command", c))),
    ("zkgov example (key load with matrices, prove, verify)", lambda c: (med("zkgov", c, 3), peak("zkgov", c))),
    ("stock ark-groth16 example (key load, prove, verify)", lambda c: (med("stock", c, 3), peak("stock", c))),
    ("rapidsnark: C++ witness + prover (sum of 2 processes)", rapidsnark),
    ("  rapidsnark: C++ witness process alone", lambda c: (med("rapidsnark-witness", c, 3), peak("rapidsnark-witness", c))),
    ("  rapidsnark: prover process alone", lambda c: (med("rapidsnark-prover", c, 3), peak("rapidsnark-prover", c))),
    ("snarkjs groth16 fullprove", lambda c: (med("snarkjs", c, 3), peak("snarkjs", c))),
]
whole = [(name, fn) for name, fn in whole if any(fn(c)[0] == fn(c)[0] for c in caps)]  # not skipped
print("(b) Whole process: wall clock, median s / peak RSS MiB (largest run; rapidsnark: the larger "
      "of its two processes)\n")
table(head, [[name] + [f"{f(w)} / {f(m, 0)}" for w, m in (fn(c) for c in caps)] for name, fn in whole])
cmd = whole[0][1]
lines = []
for name, fn in whole[1:]:
    if name.startswith(" "):
        continue
    lines.append([f"{name.split(' (')[0]} ÷ zkgov prove compute (whole process, wall)"]
                 + [ratio(fn(c)[0], cmd(c)[0]) for c in caps])
    lines.append([f"{name.split(' (')[0]} ÷ zkgov prove compute (whole process, peak RSS)"]
                 + [ratio(fn(c)[1], cmd(c)[1]) for c in caps])
print("Ratios, whole process ÷ whole process (above 1: zkgov's command is faster / smaller)\n")
table(["ratio"] + [str(c) for c in caps], lines)
EOF
