#!/usr/bin/env bash
# Measures the multi-party setup for the compute claim at two capacities: phase-1 contribution,
# phase-2 init, contribution, verification and finalization times, and file sizes.
#   bash benches/ceremony.sh            # capacities 16 and 64
#   CAPACITIES="16 256" bash benches/ceremony.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
Z="$PWD/target/release/zkgov"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$Z" attester-key --role ceremony-contributor --out a.key >/dev/null
"$Z" attester-key --role ceremony-contributor --out b.key >/dev/null
secs() { /usr/bin/time -f '%e %M' -o t.txt "$@" >/dev/null; cat t.txt; }
size() { stat -c %s "$1" | awk '{printf "%.1f MB", $1/1e6}'; }
printf '%-9s %-7s %-12s %-14s %-12s %-12s %-12s %-12s %-12s\n' capacity power phase1-contr "init" contribute verify finalize ceremony-file phase1-file
for cap in ${CAPACITIES:-16 64}; do
    # The compute circuit needs 2^power >= constraints + inputs.
    power=$(( cap == 16 ? 13 : cap == 32 ? 14 : cap == 64 ? 15 : cap == 128 ? 16 : cap == 256 ? 17 : cap == 512 ? 18 : 19 ))
    "$Z" ceremony phase1-new --power "$power" --out p0.zkp1 >/dev/null
    p1=$(secs "$Z" ceremony phase1-contribute p0.zkp1 --name coordinator --signing-key a.key --out p1.zkp1)
    init=$(secs "$Z" ceremony init --capacity "$cap" --phase1 p1.zkp1 --out c0.zkc)
    contr=$(secs "$Z" ceremony contribute c0.zkc --name A --signing-key a.key --out c1.zkc)
    "$Z" ceremony contribute c1.zkc --name B --signing-key b.key --out c2.zkc >/dev/null
    ver=$(secs "$Z" ceremony verify c2.zkc --phase1 p1.zkp1)
    fin=$(secs "$Z" ceremony finalize c2.zkc --phase1 p1.zkp1 --keys keys)
    fmt() { awk '{printf "%.1fs/%.0fMB", $1, $2/1024}' <<<"$1"; }
    printf '%-9s %-7s %-12s %-14s %-12s %-12s %-12s %-12s %-12s\n' "$cap" "$power" "$(fmt "$p1")" "$(fmt "$init")" \
        "$(fmt "$contr")" "$(fmt "$ver")" "$(fmt "$fin")" "$(size c2.zkc)" "$(size p1.zkp1)"
done
echo "(time / peak RSS per step; verify and finalize re-derive the initial key from the circuit)"
