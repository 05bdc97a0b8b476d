#!/usr/bin/env bash
# Results-file throughput: request records written per second and bytes per request on disk.
# Simulates N requests through a small serving network (default 2,000,000), writes them with
# -o, and reads the write time the command reports ("written in X s") and the compressed size
# of /requests (h5py). Several runs; medians.
#
#   bench/hdf5_bench.sh [RUNS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
runs=${1:-5}
n=${2:-2000000}
bin=${SCALESIM_BIN:-build/default/cli/scalesim}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/bench.yaml" <<YAML
name: hdf5-bench
components:
  clients: {type: source, arrivals: {process: poisson, rate: 20000/s}, customers: $n, to: {component: front, latency: 200us}}
  front: {type: station, servers: 4, service: {distribution: exponential, mean: 150us}, to: split}
  split: {type: router, routes: [{to: fast, probability: 0.8, latency: 100us}, {to: slow, probability: 0.2, latency: 100us}]}
  fast: {type: station, servers: 8, service: {distribution: lognormal, mean: 300us, cv: 0.5}, to: {component: done, latency: 100us}}
  slow: {type: station, servers: 8, service: {distribution: lognormal, mean: 1ms, cv: 1}, to: {component: done, latency: 100us}}
  done: {type: sink}
YAML
rates=() sizes=()
for ((i = 0; i < runs; i++)); do
  rm -f "$dir/out.h5"
  secs=$("$bin" run "$dir/bench.yaml" --threads 1 -o "$dir/out.h5" 2>&1 >/dev/null | sed -nE 's/.*written in ([0-9.]+) s.*/\1/p')
  read -r records bytes < <(/usr/bin/python3 -c "
import h5py; d = h5py.File('$dir/out.h5')['requests']; print(len(d), d.id.get_storage_size())")
  rates+=("$(awk -v r="$records" -v s="$secs" 'BEGIN{print r/s}')")
  sizes+=("$(awk -v r="$records" -v b="$bytes" 'BEGIN{print b/r}')")
done
printf 'records per run     %d\n' "$records"
printf 'records written/s   %.3g (median of %d; min %.3g, max %.3g)\n' "$(printf '%s\n' "${rates[@]}" | median)" "$runs" \
  "$(printf '%s\n' "${rates[@]}" | sort -g | head -1)" "$(printf '%s\n' "${rates[@]}" | sort -g | tail -1)"
printf 'bytes per request   %.2f (compressed /requests storage; 37 bytes uncompressed)\n' \
  "$(printf '%s\n' "${sizes[@]}" | median)"
