#!/usr/bin/env bash
# Measures the multi-party setup for the compute claim: phase 1 (contribution and preparation),
# phase-2 init, one contribution, verification and finalization (time / peak RSS of each whole
# command), and file sizes.
#   bash benches/ceremony.sh                  # capacities 1024 and 8192
#   CAPACITIES="16 1024" bash benches/ceremony.sh
# Phase 1 up to capacity NATIVE_MAX (default 1024): a native one (`phase1-new`, one contribution,
# `phase1-prepare` of the domain the circuit needs). Above it, a native phase 1 would take about an
# hour to contribute to and prepare (scalar multiplications and group FFTs at 2^20 on 2 cores), so
# the script uses a prepared snarkjs .ptau made from KNOWN secrets by examples/sidebyside.rs
# (Lagrange bases computed in the field): INSECURE, for timing phase 2 only; the output says so.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin zkgov --example sidebyside
Z="$PWD/target/release/zkgov"
S="$PWD/target/release/examples/sidebyside"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$Z" attester-key --role ceremony-contributor --out a.key >/dev/null
"$Z" attester-key --role ceremony-contributor --out b.key >/dev/null
secs() { /usr/bin/time -f '%e %M' -o t.txt "$@" >/dev/null; cat t.txt; }
fmt() { awk '{printf "%.1fs/%.0fMB", $1, $2/1024}' <<<"$1"; }
size() { stat -c %s "$1" | awk '{printf "%.0f MB", $1/1e6}'; }
# The domain 2^k of the compute circuit at a capacity: init names it when phase 1 is too small.
"$Z" ceremony phase1-new --power 1 --out tiny0.zkp1 >/dev/null
"$Z" ceremony phase1-contribute tiny0.zkp1 --name probe --signing-key a.key --out tiny.zkp1 >/dev/null
domain_power() {
    "$Z" ceremony init --capacity "$1" --phase1 tiny.zkp1 --out probe.zkc 2>&1 >/dev/null |
        sed -n 's/.*the circuit needs 2^\([0-9]*\) powers.*/\1/p' || true
}
printf '%-9s %-7s %-24s %-22s %-14s %-14s %-14s %-14s %-14s %-9s %-9s\n' capacity domain phase1 \
    phase1-contribute prepare init contribute verify finalize ceremony phase1-file
for cap in ${CAPACITIES:-1024 8192}; do
    k=$(domain_power "$cap")
    [ -n "$k" ] || { echo "capacity $cap: could not learn the circuit's domain" >&2; exit 1; }
    if [ "$cap" -le "${NATIVE_MAX:-1024}" ]; then
        kind="native"
        "$Z" ceremony phase1-new --power "$k" --out p0.zkp1 >/dev/null
        p1c=$(fmt "$(secs "$Z" ceremony phase1-contribute p0.zkp1 --name coordinator --signing-key a.key --out p1c.zkp1)")
        prep=$(fmt "$(secs "$Z" ceremony phase1-prepare p1c.zkp1 --domain-power "$k" --out p1.zkp1)")
        phase1=p1.zkp1
    else
        kind="KNOWN-SECRET .ptau"
        made=$(secs "$S" ptau "$k" p1.ptau)
        p1c="-"
        prep="($(fmt "$made") made)"
        phase1=p1.ptau
    fi
    init=$(secs "$Z" ceremony init --capacity "$cap" --phase1 "$phase1" --out c0.zkc)
    contr=$(secs "$Z" ceremony contribute c0.zkc --name A --signing-key a.key --out c1.zkc)
    "$Z" ceremony contribute c1.zkc --name B --signing-key b.key --out c2.zkc >/dev/null
    ver=$(secs "$Z" ceremony verify c2.zkc --phase1 "$phase1")
    fin=$(secs "$Z" ceremony finalize c2.zkc --phase1 "$phase1" --keys keys)
    printf '%-9s %-7s %-24s %-22s %-14s %-14s %-14s %-14s %-14s %-9s %-9s\n' "$cap" "2^$k" "$kind" "$p1c" \
        "$prep" "$(fmt "$init")" "$(fmt "$contr")" "$(fmt "$ver")" "$(fmt "$fin")" "$(size c2.zkc)" \
        "$(size "$phase1")"
    rm -rf keys ./*.zkc "$phase1" p0.zkp1 p1c.zkp1
done
echo "(time / peak RSS of each whole command; verify and finalize check phase 1 and its Lagrange basis"
echo " (batched checks, no group FFT) and re-derive the initial key; a KNOWN-SECRET .ptau is INSECURE:"
echo " it times phase 2 only, its 'prepare' column is the time to make it, not a group FFT)"
