#!/usr/bin/env bash
# Make sure a headless Chromium is available, for CI's browser tests. Installs Debian's chromium
# package when neither chromium nor chromium-browser is on PATH. Prints exactly one line:
#   chromium: <path> (<version>)              exit 0
#   chromium: not available: <reason>         exit 1   (the caller falls back)
# apt-get output goes to ${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-chromium/install.log.
# Running it as root needs --no-sandbox (Chromium refuses to start its sandbox as root).
set -euo pipefail

find_chromium() { command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null; }

bin="$(find_chromium || true)"
if [ -z "$bin" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "chromium: not available: not on PATH, and installing it needs root"
        exit 1
    fi
    D="${XDG_CACHE_HOME:-$HOME/.cache}/zkgov-chromium"
    mkdir -p "$D"
    LOG="$D/install.log"
    echo "=== ensure.sh $(date -Is)" >>"$LOG"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >>"$LOG" 2>&1; then
        echo "chromium: not available: apt-get install chromium failed (see $LOG)"
        exit 1
    fi
    bin="$(find_chromium || true)"
    if [ -z "$bin" ]; then
        echo "chromium: not available: no chromium on PATH after apt-get install chromium"
        exit 1
    fi
fi
# --version does not start a browser; it fails only when the binary is broken (missing libraries).
if ! version="$(timeout 30 "$bin" --version 2>/dev/null | head -1)" || [ -z "$version" ]; then
    echo "chromium: not available: $bin --version failed"
    exit 1
fi
echo "chromium: $bin ($version)"
