#!/bin/sh
# Trace input forms end to end: the bundled trace read from a pipe, a .gz, a .zst and an .h5
# gives the same result_hash as the plain CSV, tiled and time-scaled too; inputs that never end
# a line end with a clear error. Usage: trace_input_test.sh pipe|gzip|zstd|hdf5|endless, with
# SCALESIM (the binary) and SOURCE_DIR in the environment.
set -eu
mode=$1
work=$(mktemp -d)
writer=
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trace="$SOURCE_DIR/data/traces/azure_llm_conv_2023.csv"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# config FILE [REPEAT]: a trace into a 4-server station, ten times faster than recorded.
config() {
  cat >"$work/c.yaml" <<EOF
name: trace-input
seed: 5
components:
  requests:
    type: trace
    file: "$1"
    format: azure_llm
    time_scale: 10
    repeat: ${2:-1}
    to: srv
  srv: {type: station, servers: 4, service: {distribution: exponential, mean: 0.05s}, to: done}
  done: {type: sink}
EOF
}

hash_of() {
  sed -n 's/.*"result_hash":"\([^"]*\)".*/\1/p'
}

# same LABEL EXPECTED GOT
same() {
  [ -n "$2" ] || fail "$1: no result_hash"
  [ "$2" = "$3" ] || fail "$1: result_hash $3, the plain CSV gives $2"
  echo "ok: $1 ($3)"
}

config "$trace"
plain=$("$SCALESIM" run "$work/c.yaml" --json | hash_of)
config "$trace" 3
tiled=$("$SCALESIM" run "$work/c.yaml" --json | hash_of)
[ "$plain" != "$tiled" ] || fail "tiling changed nothing"

case "$mode" in
  pipe)
    gzip -c "$trace" >"$work/t.csv.gz"
    config -
    same "zcat | run, file: -" "$plain" "$(zcat "$work/t.csv.gz" | "$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config /dev/stdin
    same "file: /dev/stdin" "$plain" "$(cat "$trace" | "$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config - 3
    same "a pipe tiled 3 times" "$tiled" "$(cat "$trace" | "$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    # Replications copy the network: a pipe is kept in memory for them.
    config "$trace"
    reps=$("$SCALESIM" run "$work/c.yaml" --replications 2 --json | hash_of)
    config -
    same "a pipe, 2 replications" "$reps" "$(cat "$trace" | "$SCALESIM" run "$work/c.yaml" --replications 2 --json | hash_of)"
    # Two traces cannot share standard input.
    sed 's|^  srv:|  more: {type: trace, file: "-", format: azure_llm, to: srv}\n  srv:|' "$work/c.yaml" >"$work/two.yaml"
    if cat "$trace" | "$SCALESIM" run "$work/two.yaml" >"$work/out" 2>&1; then fail "two traces on one pipe ran"; fi
    grep -q "standard input was read already" "$work/out" || fail "two traces on one pipe: $(cat "$work/out")"
    echo "ok: two traces on one pipe: $(cat "$work/out")"
    ;;
  gzip)
    gzip -c "$trace" >"$work/t.gz.data"  # no .gz: the form is told by the first bytes
    config "$work/t.gz.data"
    same ".gz file (no extension)" "$plain" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config "$work/t.gz.data" 3
    same ".gz tiled 3 times" "$tiled" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    head -c 100000 "$work/t.gz.data" >"$work/cut.gz"
    config "$work/cut.gz"
    if "$SCALESIM" run "$work/c.yaml" >"$work/out" 2>&1; then fail "a truncated .gz ran"; fi
    grep -q "cut.gz: the gzip stream is truncated" "$work/out" || fail "truncated .gz: $(cat "$work/out")"
    echo "ok: truncated .gz: $(cat "$work/out")"
    ;;
  zstd)
    zstd -q -c "$trace" >"$work/t.csv.zst"
    config "$work/t.csv.zst"
    same ".zst file" "$plain" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config "$work/t.csv.zst" 3
    same ".zst tiled 3 times" "$tiled" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config -
    same "zstdcat | run" "$plain" "$(zstd -q -d -c "$work/t.csv.zst" | "$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    head -c 50000 "$work/t.csv.zst" >"$work/cut.zst"
    config "$work/cut.zst"
    if "$SCALESIM" run "$work/c.yaml" >"$work/out" 2>&1; then fail "a truncated .zst ran"; fi
    grep -q "cut.zst: the zstd stream is truncated" "$work/out" || fail "truncated .zst: $(cat "$work/out")"
    echo "ok: truncated .zst"
    ;;
  hdf5)
    # The converter round-trips the bundled trace byte for byte.
    "$SCALESIM" trace convert "$trace" "$work/t.h5"
    "$SCALESIM" trace convert "$work/t.h5" "$work/back.csv"
    cmp "$trace" "$work/back.csv" || fail "CSV -> HDF5 -> CSV differs from the bundled trace"
    echo "ok: CSV -> HDF5 -> CSV is byte for byte the bundled trace"
    config "$work/t.h5"
    same ".h5 file" "$plain" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config "$work/t.h5" 3
    same ".h5 tiled 3 times" "$tiled" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    config "$trace"
    reps=$("$SCALESIM" run "$work/c.yaml" --replications 3 --threads 2 --json | hash_of)
    config "$work/t.h5"
    same ".h5, 3 replications on 2 threads" "$reps" "$("$SCALESIM" run "$work/c.yaml" --replications 3 --threads 2 --json | hash_of)"
    # From a pipe, small chunks, compressed input: still the same file's contents.
    gzip -c "$trace" | "$SCALESIM" trace convert - "$work/small.h5" --chunk 1000 --level 9
    config "$work/small.h5"
    same ".h5 from gzip on a pipe, 1000-row chunks" "$plain" "$("$SCALESIM" run "$work/c.yaml" --json | hash_of)"
    # A column that is not numbers or datetimes: an error naming the line, and no file left.
    if printf 'TIMESTAMP,model\n2023-11-16 18:15:46.0,gpt\n' |
      "$SCALESIM" trace convert - "$work/bad.h5" >"$work/out" 2>&1; then
      fail "a text column converted"
    fi
    grep -q -- "-:2: column 'model': \"gpt\" is neither a number nor a datetime" "$work/out" ||
      fail "text column: $(cat "$work/out")"
    [ ! -e "$work/bad.h5" ] && [ ! -e "$work/bad.h5.partial" ] || fail "a failed convert left a file"
    echo "ok: a text column: $(cat "$work/out")"
    # HDF5 needs random access: from a pipe it is a clear error.
    config -
    if cat "$work/t.h5" | "$SCALESIM" run "$work/c.yaml" >"$work/out" 2>&1; then fail "HDF5 from a pipe ran"; fi
    grep -q "an HDF5 trace must be a file" "$work/out" || fail "HDF5 from a pipe: $(cat "$work/out")"
    echo "ok: HDF5 from a pipe: $(cat "$work/out")"
    ;;
  endless)
    # endless LABEL: the last run must have failed with the line-length error within 5 s.
    check_endless() {
      [ "$rc" -ne 124 ] || fail "$1: still running after 5 s"
      [ "$rc" -ne 0 ] || fail "$1: ran"
      grep -q ":1: no end of line in the first 1 MiB" "$work/out" || fail "$1: $(cat "$work/out")"
      echo "ok: $1 ended in ${ms} ms (exit $rc): $(cat "$work/out")"
    }
    config /dev/zero
    start=$(date +%s%N)
    rc=0
    timeout 5 "$SCALESIM" run "$work/c.yaml" >"$work/out" 2>&1 || rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    check_endless "file: /dev/zero"
    mkfifo "$work/fifo"
    yes 2023-11-16 | tr -d '\n' >"$work/fifo" &
    writer=$!
    config "$work/fifo"
    start=$(date +%s%N)
    rc=0
    timeout 5 "$SCALESIM" run "$work/c.yaml" >"$work/out" 2>&1 || rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    check_endless "an endless FIFO without newlines"
    ;;
  *)
    fail "unknown mode $mode"
    ;;
esac
