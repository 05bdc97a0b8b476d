#!/usr/bin/env bash
# Sweep throughput: the mc kernel in station visits per second (bench/mc_bench: four networks,
# portable and AVX-512 builds),
# the 1,200-point x 10-replication cascade sweep on mc (wall seconds, visits/s), and the des
# backend in runs per hour on the 36-point cascade sweep. Medians of REPS runs each.
#   bench/sweep_bench.sh [REPS] [THREADS]       (defaults: 3, nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
reps=${1:-3}
threads=${2:-$(nproc)}
build=${BUILD:-build/default}
scalesim=${SCALESIM:-$build/cli/scalesim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== mc kernel (bench/mc_bench.cc), $threads threads"
# Both CPU builds of the kernel, in turns, where the CPU runs AVX-512 (with their paired ratio).
kernel=best
"$build/bench/mc_bench" --runs 1 --threads 1 --scale 0.01 --cpu-only --kernel both >/dev/null 2>&1 &&
  kernel=both
"$build/bench/mc_bench" --runs "$reps" --threads "$threads" --scale 40 --cpu-only --kernel "$kernel"

for backend in mc des; do
  spec=configs/sweeps/cascade_$backend.yaml
  walls=() rates=()
  for ((i = 0; i < reps; i++)); do
    json=$("$scalesim" sweep "$spec" --backend "$backend" --device cpu --threads "$threads" \
             -o "$tmp/out.h5" --json)
    rm -f "$tmp/out.h5"
    read -r wall runs visits <<<"$(/usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["wall_seconds"], j["runs_done_here"], j.get("station_visits", 0))' <<<"$json")"
    if [[ $backend == mc ]]; then
      rate=$(awk -v v="$visits" -v w="$wall" 'BEGIN {printf "%.4g", v / w}')
      echo "$spec mc: wall=${wall}s runs=$runs station_visits_per_s=$rate"
    else
      rate=$(awk -v r="$runs" -v w="$wall" 'BEGIN {printf "%.4g", r * 3600 / w}')
      echo "$spec des: wall=${wall}s runs=$runs runs_per_hour=$rate"
    fi
    walls+=("$wall") rates+=("$rate")
  done
  echo "$spec $backend: median wall $(printf '%s\n' "${walls[@]}" | median) s," \
       "median $( [[ $backend == mc ]] && echo 'station visits/s' || echo 'runs/h') $(printf '%s\n' "${rates[@]}" | median)"
done
