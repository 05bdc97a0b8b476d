#!/usr/bin/env bash
# The cascade template (configs/patterns/cascade.yaml) driven by N synthetic requests, one
# thread: simulated requests per second of wall time and peak RSS, for two trace lengths (RSS
# must not grow with the length). Prints one line per run and the medians.
#   bench/cascade_bench.sh [REPS] [N1] [N2]     (defaults: 3, 1000000, 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
reps=${1:-3}
scalesim=${SCALESIM:-build/default/cli/scalesim}
for n in "${2:-1000000}" "${3:-10000000}"; do
  rates=() rss=()
  for ((i = 0; i < reps; i++)); do
    # GNU time: wall seconds and peak RSS (KiB) of the whole process.
    out=$(/usr/bin/time -f "%e %M" "$scalesim" run configs/patterns/cascade.yaml \
            --set components.requests.customers="$n" --set end.time=100000000s --json 2>&1 >/dev/null)
    read -r wall kb <<<"$(tail -1 <<<"$out")"
    rate=$(awk -v n="$n" -v w="$wall" 'BEGIN {printf "%.0f", n / w}')
    echo "requests=$n wall=${wall}s rate=${rate}/s rss=${kb}KiB"
    rates+=("$rate") rss+=("$kb")
  done
  echo "requests=$n median rate $(printf '%s\n' "${rates[@]}" | median)/s," \
       "median peak RSS $(printf '%s\n' "${rss[@]}" | median) KiB"
done
