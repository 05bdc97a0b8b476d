#!/usr/bin/env bash
# PHOLD on 1024 LPs at (ranks, threads) = (1,1), (2,1), (1,2), for lookahead 0.1 / 1.0,
# remote 0.05 / 0.25, 1 / 16 initial events per LP; medians of RUNS runs, printed as a
# Markdown table. With PEER_PHOLD set to a built ROSS phold binary, ROSS runs on 2 ranks too,
# conservative (--synch=2) and optimistic (--synch=3 --extramem=100000), interleaved with ours
# (each repetition runs every configuration once, in the same order). ROSS's --nlp is per rank,
# so it gets 512 for the same 1024 LPs in total.
#
#   bench/phold_parallel_bench.sh [RUNS]
#   PEER_PHOLD=/path/to/ross/phold bench/phold_parallel_bench.sh 3
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
runs=${1:-3}
bin=${SCALESIM_BIN:-build/default/cli/scalesim}
peer=$(peer_path "${PEER_PHOLD:-}")
[[ -n $peer ]] && make_peer_dir
# Two ranks on two cores need no --oversubscribe, which would make Open MPI yield the CPU
# while polling and add latency to every window.
mpirun="mpirun --allow-run-as-root --bind-to none"
rate_of() { sed -E 's/.*"events_per_s":([0-9.e+]+).*/\1/'; }
ross_rate() { awk '/Event Rate \(events\/sec\)/{print $NF}'; }

printf '| start ev | lookahead | remote | end | (1,1) ev/s | (2,1) ev/s | (1,2) ev/s | (2,1)/(1,1) | (1,2)/(1,1) |'
[[ -n $peer ]] && printf ' ROSS 2 ranks cons. | ROSS 2 ranks opt. | ours best / ROSS best |'
printf '\n|---|---|---|---|---|---|---|---|---|'
[[ -n $peer ]] && printf -- '---|---|---|'
printf '\n'
for start in 1 16; do
  end=$([[ $start == 1 ]] && echo 2000 || echo 200)
  for la in 0.1 1.0; do
    for remote in 0.05 0.25; do
      args="--nlp 1024 --start-events $start --mean 1.0 --lookahead $la --remote $remote --end $end"
      rargs="--nlp=512 --start-events=$start --mean=1.0 --lookahead=$la --remote=$remote --end=$end"
      s11=() s21=() s12=() rc=() ro=()
      for ((i = 0; i < runs; i++)); do
        s11+=("$($bin phold $args --threads 1 --json | rate_of)")
        s21+=("$($mpirun -n 2 $bin phold $args --threads 1 --json | rate_of)")
        s12+=("$($bin phold $args --threads 2 --json | rate_of)")
        if [[ -n $peer ]]; then
          rc+=("$(peer_run $mpirun -n 2 "$peer" --synch=2 $rargs 2>&1 | ross_rate)")
          ro+=("$(peer_run $mpirun -n 2 "$peer" --synch=3 --extramem=100000 $rargs 2>&1 | ross_rate)")
        fi
      done
      m11=$(printf '%s\n' "${s11[@]}" | median)
      m21=$(printf '%s\n' "${s21[@]}" | median)
      m12=$(printf '%s\n' "${s12[@]}" | median)
      printf '| %s | %s | %s | %s | %.2f M | %.2f M | %.2f M | %.2f | %.2f |' "$start" "$la" "$remote" "$end" \
        "$(awk -v x="$m11" 'BEGIN{print x/1e6}')" "$(awk -v x="$m21" 'BEGIN{print x/1e6}')" \
        "$(awk -v x="$m12" 'BEGIN{print x/1e6}')" "$(awk -v a="$m21" -v b="$m11" 'BEGIN{print a/b}')" \
        "$(awk -v a="$m12" -v b="$m11" 'BEGIN{print a/b}')"
      if [[ -n $peer ]]; then
        mc=$(printf '%s\n' "${rc[@]}" | median)
        mo=$(printf '%s\n' "${ro[@]}" | median)
        printf ' %.2f M | %.2f M | %.2f |' "$(awk -v x="$mc" 'BEGIN{print x/1e6}')" \
          "$(awk -v x="$mo" 'BEGIN{print x/1e6}')" \
          "$(awk -v a="$m21" -v b="$m12" -v c="$mc" -v d="$mo" 'BEGIN{o=(a>b?a:b); r=(c>d?c:d); print o/r}')"
      fi
      printf '\n'
    done
  done
done
