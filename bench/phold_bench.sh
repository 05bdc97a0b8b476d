#!/usr/bin/env bash
# PHOLD event rate for the three standard sets, several runs each, medians reported.
#
#   bench/phold_bench.sh [RUNS]                       # ScaleSim only (default 5 runs per set)
#   PEER_PHOLD=/path/to/ross/phold bench/phold_bench.sh 5
#
# With PEER_PHOLD set to a built ROSS phold binary, each run of ours is followed by a run of
# ROSS's sequential scheduler (--synch=1) on the same set (A B A B ...), so both see the same
# machine state. Rates are each program's own events/s figure: ours is events processed over
# the wall time of init + event loop; ROSS's is its "Event Rate" (net events over its
# "Running Time", the event loop only).
#
# Sets (ROSS's flags; ROSS's --nlp is per rank, equal to the total on one rank):
#   a: --nlp 1024   --start-events 1  --end 2000
#   b: --nlp 1024   --start-events 16 --end 200
#   c: --nlp 131072 --start-events 1  --end 20
#   all with --mean 1.0 --lookahead 0.1 --remote 0.25
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
runs=${1:-5}
bin=${SCALESIM_BIN:-build/default/cli/scalesim}
peer=$(peer_path "${PEER_PHOLD:-}")
[[ -n $peer ]] && make_peer_dir
common="--mean 1.0 --lookahead 0.1 --remote 0.25"

args_of() {
  case $1 in
    a) echo "--nlp 1024 --start-events 1 --end 2000" ;;
    b) echo "--nlp 1024 --start-events 16 --end 200" ;;
    c) echo "--nlp 131072 --start-events 1 --end 20" ;;
  esac
}

printf '%-4s %12s %14s %20s' set events "scalesim ev/s" "(min..max)"
[[ -n $peer ]] && printf ' %14s %20s %8s' "peer ev/s" "(min..max)" ratio
printf '\n'
for set in a b c; do
  args=$(args_of $set)
  ours=() theirs=() events=
  for ((i = 0; i < runs; i++)); do
    json=$($bin phold $args $common --threads 1 --json)
    events=$(sed -E 's/.*"events":([0-9]+).*/\1/' <<<"$json")
    ours+=("$(sed -E 's/.*"events_per_s":([0-9.e+]+).*/\1/' <<<"$json")")
    if [[ -n $peer ]]; then
      out=$(peer_run "$peer" --synch=1 $(sed 's/--\([a-z-]*\) \([^ ]*\)/--\1=\2/g' <<<"$args $common") 2>&1)
      theirs+=("$(awk '/Event Rate \(events\/sec\)/{print $NF}' <<<"$out")")
    fi
  done
  m=$(printf '%s\n' "${ours[@]}" | median)
  lo=$(printf '%s\n' "${ours[@]}" | sort -g | head -1)
  hi=$(printf '%s\n' "${ours[@]}" | sort -g | tail -1)
  printf '%-4s %12s %14.0f %9.0f..%-10.0f' $set "$events" "$m" "$lo" "$hi"
  if [[ -n $peer ]]; then
    pm=$(printf '%s\n' "${theirs[@]}" | median)
    plo=$(printf '%s\n' "${theirs[@]}" | sort -g | head -1)
    phi=$(printf '%s\n' "${theirs[@]}" | sort -g | tail -1)
    printf ' %14.0f %9.0f..%-10.0f %7.2fx' "$pm" "$plo" "$phi" "$(awk -v a="$m" -v b="$pm" 'BEGIN{print a/b}')"
  fi
  printf '\n'
done
