#!/usr/bin/env bash
# run_fuzz.sh FUZZER CORPUS_DIR SECONDS
# Replays every seed, then fuzzes for SECONDS from a scratch copy of the corpus (the
# repo's corpus is never modified). A crash leaves its input in the scratch dir and
# fails the test.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus"/. "$scratch"/
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped".
flags=(-error_exitcode=1 -timeout_exitcode=1 -timeout=10 -rss_limit_mb=2048)
"$fuzzer" "${flags[@]}" "$corpus"/*
if ! "$fuzzer" "${flags[@]}" -max_total_time="$seconds" -max_len=4096 -seed=1 -print_final_stats=1 \
        -artifact_prefix="$scratch/" "$scratch" 2>"$scratch/log"; then
    tail -n 40 "$scratch/log"
    ls "$scratch" | grep -E '^(crash|leak|timeout|oom)-' || true
    for f in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-*; do
        [ -e "$f" ] && { echo "input $f:"; od -c "$f" | head -20; }
    done
    exit 1
fi
grep -E 'stat::number_of_executed_units|Done' "$scratch/log" || true
