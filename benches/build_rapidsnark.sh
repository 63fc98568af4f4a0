#!/usr/bin/env bash
# Builds rapidsnark's CPU prover (iden3/rapidsnark v0.0.6) for benches/side_by_side.sh, into the
# side-by-side cache directory (ZKGOV_SIDE_BY_SIDE_DIR, default ~/.cache/zkgov-side-by-side):
#
#   RAPIDSNARK_SRC=DIR [FFIASM_SRC=DIR] [NLOHMANN_JSON_SRC=DIR] bash benches/build_rapidsnark.sh
#
# Sources (none of them is part of this repository):
#   RAPIDSNARK_SRC     a checkout of iden3/rapidsnark at tag v0.0.6
#   FFIASM_SRC         iden3/ffiasm at b9dce0a78a0ee172c23cee2465904383ea43f0ec (v0.0.6's submodule
#                      depends/ffiasm; not needed if RAPIDSNARK_SRC has its submodules checked out)
#   NLOHMANN_JSON_SRC  nlohmann/json at 350ff4f7ced7c4117eae2fb93df02823c8021fcb (depends/json; only
#                      single_include/ is used; same rule)
# Without RAPIDSNARK_SRC the script clones these with git (the machine needs network access to
# GitHub; where it has none, point the variables at local checkouts). The sources are copied into
# the cache and built there (rapidsnark's build writes into its own source tree), as upstream's
# `make host` does but with the system GMP instead of build_gmp.sh's download: cmake Release,
# USE_ASM=ON (ffiasm's x86-64 assembly field arithmetic), USE_OPENMP=ON. MARCH_NATIVE=1 adds
# -march=native. Needs: build-essential cmake libgmp-dev libsodium-dev nasm m4 (Debian package
# names) and git for the clone.
#
# Output: CACHE/rapidsnark/prover (printed on the last line), CACHE/rapidsnark/include (nlohmann's
# single_include, which circom's C++ witness generator also needs) and CACHE/rapidsnark/SOURCES
# (what was built).
set -euo pipefail
cache=${ZKGOV_SIDE_BY_SIDE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-side-by-side}
tag=v0.0.6
ffiasm_pin=b9dce0a78a0ee172c23cee2465904383ea43f0ec
json_pin=350ff4f7ced7c4117eae2fb93df02823c8021fcb
for tool in cmake make g++ nasm; do
    command -v "$tool" >/dev/null || {
        echo "error: $tool not found (Debian: apt-get install build-essential cmake libgmp-dev libsodium-dev nasm m4)" >&2
        exit 1
    }
done

work="$cache/rapidsnark-build"
rm -rf "$work"
mkdir -p "$work"
src="$work/rapidsnark"

# The commit of a source directory if it is a git checkout, else "unknown (not a git checkout)".
commit_of() { git -C "$1" rev-parse HEAD 2>/dev/null || echo "unknown (not a git checkout)"; }

if [ -n "${RAPIDSNARK_SRC:-}" ]; then
    [ -f "$RAPIDSNARK_SRC/src/main_prover.cpp" ] || {
        echo "error: RAPIDSNARK_SRC=$RAPIDSNARK_SRC is not a rapidsnark checkout (no src/main_prover.cpp)" >&2
        exit 1
    }
    cp -r "$RAPIDSNARK_SRC" "$src"
    rapidsnark_from="$RAPIDSNARK_SRC, commit $(commit_of "$RAPIDSNARK_SRC") ($(git -C "$RAPIDSNARK_SRC" describe --tags --always 2>/dev/null || echo "no tag known"))"
else
    echo "cloning iden3/rapidsnark $tag and its submodules (set RAPIDSNARK_SRC to build from a local checkout)" >&2
    git clone --quiet --depth 1 --branch "$tag" https://github.com/iden3/rapidsnark.git "$src" || {
        echo "error: cannot clone rapidsnark (no network?): set RAPIDSNARK_SRC, FFIASM_SRC and NLOHMANN_JSON_SRC to local checkouts" >&2
        exit 1
    }
    git -C "$src" submodule update --quiet --init --depth 1 depends/ffiasm depends/json
    rapidsnark_from="git clone, tag $tag, commit $(commit_of "$src")"
fi

# depends/NAME from a checkout given in VAR, unless the rapidsnark sources already have it.
# PART is what is copied: the whole checkout (.) or one folder of it.
fill() { # fill NAME VAR PIN MARKER PART
    local name=$1 var=$2 pin=$3 marker=$4 part=$5 from=${!2:-}
    if [ -e "$src/depends/$name/$marker" ]; then
        echo "$name: from the rapidsnark sources, commit $(commit_of "$src/depends/$name")"
        return
    fi
    [ -n "$from" ] || {
        echo "error: $src has no depends/$name: set $var to a checkout of it (commit $pin)" >&2
        exit 1
    }
    [ -e "$from/$marker" ] || {
        echo "error: $var=$from has no $marker" >&2
        exit 1
    }
    rm -rf "$src/depends/$name"
    mkdir -p "$src/depends/$name"
    cp -r "$from/$part" "$src/depends/$name/"
    local commit
    commit=$(commit_of "$from")
    [ "$commit" = "$pin" ] || [ "${commit#unknown}" != "$commit" ] \
        || echo "warning: $var is at $commit; rapidsnark $tag pins $pin" >&2
    echo "$name: $from, commit $commit"
}
{
    echo "rapidsnark: $rapidsnark_from (expected: tag $tag)"
    fill ffiasm FFIASM_SRC "$ffiasm_pin" c/alt_bn128.cpp c
    fill json NLOHMANN_JSON_SRC "$json_pin" single_include/nlohmann/json.hpp single_include
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ), MARCH_NATIVE=${MARCH_NATIVE:-0}, $(g++ --version | head -1)"
} >"$work/SOURCES"

flags=()
if [ -n "${MARCH_NATIVE:-}" ]; then
    flags=(-DCMAKE_CXX_FLAGS=-march=native -DCMAKE_C_FLAGS=-march=native)
fi
echo "building rapidsnark's prover in $work (a few minutes)" >&2
(
    cd "$src"
    mkdir -p build_prover
    cd build_prover
    cmake .. -DCMAKE_BUILD_TYPE=Release -DUSE_ASM=ON -DUSE_OPENMP=ON "${flags[@]}" >"$work/cmake.log" 2>&1 || {
        tail -20 "$work/cmake.log" >&2
        echo "error: cmake failed (log: $work/cmake.log)" >&2
        exit 1
    }
    make -j"${JOBS:-2}" prover >"$work/make.log" 2>&1 || {
        tail -20 "$work/make.log" >&2
        echo "error: the rapidsnark build failed (log: $work/make.log)" >&2
        exit 1
    }
)

out="$cache/rapidsnark"
rm -rf "$out"
mkdir -p "$out"
cp "$src/build_prover/src/prover" "$out/prover"
cp -r "$src/depends/json/single_include" "$out/include"
mv "$work/SOURCES" "$out/SOURCES"
rm -rf "$work"
cat "$out/SOURCES" >&2
echo "$out/prover"
