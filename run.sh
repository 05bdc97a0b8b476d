#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, run the default scenario, print a summary.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/ensure_deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
mkdir -p results
scenario=${SCALESIM_SCENARIO:-configs/examples/tandem_router.yaml}
echo
./build/default/sim/cli/scalesim run "$scenario" -o results/default.json
echo
echo "Results (JSON) written to results/default.json"
