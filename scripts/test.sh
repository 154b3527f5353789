#!/usr/bin/env bash
# scripts/test.sh — the whole test suite on a fresh Debian 12 machine:
# set up (packages + build dir), build, run every meson test.
#   bash scripts/test.sh [--build-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
[ "${1:-}" = --build-dir ] && build_dir=$2
bash scripts/setup.sh --build-dir "$build_dir"
ninja -C "$build_dir"
meson test -C "$build_dir" --print-errorlogs --num-processes 2
