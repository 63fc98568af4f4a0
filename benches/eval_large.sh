#!/usr/bin/env bash
# Proves and verifies an eval red-line claim over Inspect's large-exact-1200 fixture (1200 samples,
# capacity class 2048) and prints constraints, times and peak memory.
#   bash benches/eval_large.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
Z="$PWD/target/release/zkgov"
LOG="$PWD/fixtures/inspect/large-exact-1200.eval"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
echo "== keygen (single-party, test only), capacity 2048"
/usr/bin/time -f "keygen: %e s wall, peak RSS %M KB" "$Z" keygen --circuit eval --capacity 2048 --keys keys
attester=$("$Z" attester-key --out eval.key --json | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/')
echo "== prove: mean match score below 0.9 (the log's headline is 0.8567)"
/usr/bin/time -f "prove: %e s wall, peak RSS %M KB" "$Z" prove eval --log "$LOG" --below 0.9 \
  --evaluator-key eval.key --keys keys --out bundle.json --policy-id bench --epoch 1
echo "== verify"
/usr/bin/time -f "verify (whole CLI run): %e s wall, peak RSS %M KB" "$Z" verify bundle.json --keys keys \
  --trusted-attester "$attester"
ls -l keys bundle.json | awk '{print $5, $9}'
