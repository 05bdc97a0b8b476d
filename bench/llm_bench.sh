#!/usr/bin/env bash
# LLM serving at iteration level (configs/examples/llm_serving_azure.yaml: Llama 3.1 8B on two
# A100 replicas, vLLM with chunked prefill) replaying the bundled Azure conversation trace tiled
# REPEAT times: simulated output tokens per second of wall time (whole process: trace parsing
# and start-up included) and peak RSS, one rank and one thread, for two tilings (RSS must not
# grow with the length), then the longer one on 2 MPI ranks. One line per run, then medians.
#   bench/llm_bench.sh [REPS] [REPEAT1] [REPEAT2]     (defaults: 3, 1, 25: 4e6 and 1e8 tokens)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
reps=${1:-3}
scalesim=${SCALESIM:-build/default/cli/scalesim}
config=configs/examples/llm_serving_azure.yaml
run_one() {  # LAUNCH... : prints "tokens wall kib"
  local json out
  json=$(mktemp)
  out=$(/usr/bin/time -f "%e %M" "$@" run "$config" --set components.requests.repeat="$repeat" \
          --set warmup=0s --json 2>&1 >"$json")
  tokens=$(/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
e = [c for c in d['components'] if c['name'] == 'engine'][0]
print(round(e['output_tokens_per_s'] * d['metrics']['run.makespan_s']))" "$json")
  rm -f "$json"
  echo "$tokens $(tail -1 <<<"$out")"
}
for layout in "1 rank" "2 ranks"; do
  for repeat in "${2:-1}" "${3:-25}"; do
    [[ $layout == "2 ranks" && $repeat != "${3:-25}" ]] && continue
    launch=("$scalesim")
    if [[ $layout == "2 ranks" ]]; then
      command -v mpiexec >/dev/null || continue
      launch=(mpiexec --oversubscribe --allow-run-as-root -n 2 "$scalesim")
    fi
    rates=() rss=()
    for ((i = 0; i < reps; i++)); do
      read -r tokens wall kb <<<"$(run_one "${launch[@]}")"
      rate=$(awk -v n="$tokens" -v w="$wall" 'BEGIN {printf "%.0f", n / w}')
      echo "$layout repeat=$repeat output_tokens=$tokens wall=${wall}s rate=${rate}/s rss=${kb}KiB"
      rates+=("$rate") rss+=("$kb")
    done
    echo "$layout repeat=$repeat median $(printf '%s\n' "${rates[@]}" | median) output tokens/s," \
         "median peak RSS $(printf '%s\n' "${rss[@]}" | median) KiB"
  done
done
