#!/bin/sh
# Runs one libFuzzer target for a fixed time over a fresh copy of its seed corpus, so the
# repository's corpus is never written to. Exits non-zero on any crash, sanitizer report,
# timeout or out-of-memory; the failing input is left in WORK/artifacts/.
# usage: run_fuzzer.sh FUZZER SEEDS WORK SECONDS [libFuzzer flags ...]
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
shift 4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
exec "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus"
