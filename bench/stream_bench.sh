#!/usr/bin/env bash
# Streamed request records (docs/hdf5-schema.md): the cascade template at N requests on one
# simulation thread, without and with -o: simulated requests per wall second, CPU seconds, peak
# RSS, bytes per request of /requests on disk; then both pinned to one core (taskset), in
# interleaved pairs with the ratio of each pair; and once on 2 ranks writing one file. Several
# runs; medians.
#
#   bench/stream_bench.sh [RUNS] [N...]        (defaults: 3, 10000000 100000000)
#   PIN_CPU=1 picks the core of the one-core pairs (default 0).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
runs=${1:-3}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(10000000 100000000)
bin=${SCALESIM_BIN:-build/default/cli/scalesim}
dir=${BENCH_DIR:-$(mktemp -d)}
cpu=${PIN_CPU:-0}
trap 'rm -rf "$dir"' EXIT
cfg=(configs/patterns/cascade.yaml --set end.time=100000000s --threads 1)

# One run: prints "wall_s cpu_s peak_rss_kib".
measure() {
  /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3, $4}'
}
report() {  # label, then "wall cpu rss" lines on stdin; uses $n
  local label=$1 walls=() cpus=() rss=()
  while read -r w c r; do walls+=("$w") cpus+=("$c") rss+=("$r"); done
  local w c r
  w=$(printf '%s\n' "${walls[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  r=$(printf '%s\n' "${rss[@]}" | median)
  printf '%-28s n=%-10s wall %7.2f s  %.3g req/s  cpu %7.2f s  peak RSS %6.1f MB  (walls: %s)\n' \
    "$label" "$n" "$w" "$(awk -v n="$n" -v w="$w" 'BEGIN{print n / w}')" "$c" \
    "$(awk -v r="$r" 'BEGIN{print r / 1024}')" "${walls[*]}"
}

for n in "${sizes[@]}"; do
  for ((i = 0; i < runs; i++)); do
    measure "$bin" run "${cfg[@]}" --set components.requests.customers="$n"
  done | report "without -o"
  for ((i = 0; i < runs; i++)); do
    rm -f "$dir/out.h5"
    measure "$bin" run "${cfg[@]}" --set components.requests.customers="$n" -o "$dir/out.h5"
  done | report "with -o"
  if command -v taskset >/dev/null; then
    # One core: with and without -o both pinned to the same CPU, in turn (A B A B ...), so that
    # the ratio of each pair is taken on the same core at nearly the same time.
    pairs=$dir/pairs
    : >"$pairs"
    for ((i = 0; i < runs; i++)); do
      b=$(measure taskset -c "$cpu" "$bin" run "${cfg[@]}" --set components.requests.customers="$n")
      rm -f "$dir/out.h5"
      a=$(measure taskset -c "$cpu" "$bin" run "${cfg[@]}" --set components.requests.customers="$n" \
        -o "$dir/out.h5")
      echo "$a $b" >>"$pairs"
    done
    awk '{print $4, $5, $6}' "$pairs" | report "without -o, one core"
    awk '{print $1, $2, $3}' "$pairs" | report "with -o, one core"
    printf 'one core, with / without -o, per pair: %s; median %s\n' \
      "$(awk '{printf "%.3f ", $1 / $4}' "$pairs")" \
      "$(awk '{print $1 / $4}' "$pairs" | median)"
  fi
  /usr/bin/python3 -c "
import h5py, os
f = h5py.File('$dir/out.h5'); d = f['requests']
print(f'/requests rows {len(d)}, {d.id.get_storage_size() / len(d):.2f} bytes per request stored, '
      f'file {os.path.getsize(\"$dir/out.h5\") / len(d):.2f} bytes per request')"
done

if [[ -n ${MPIEXEC:-$(command -v mpirun || true)} ]]; then
  mpi=${MPIEXEC:-mpirun}
  # Ranks synchronise every lookahead (200 us of simulated time here): far fewer requests.
  n=${TWO_RANK_REQUESTS:-1000000}
  for ((i = 0; i < runs; i++)); do
    rm -f "$dir/two.h5"
    measure "$mpi" --oversubscribe --allow-run-as-root -n 2 "$bin" run configs/patterns/cascade.yaml \
      --set end.time=100000000s --set components.requests.customers="$n" -o "$dir/two.h5"
  done | report "2 ranks, one file (mpirun)"
  /usr/bin/python3 -c "
import h5py
d = h5py.File('$dir/two.h5')['requests']; print(f'2-rank /requests rows {len(d)}, one file')"
fi
