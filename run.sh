#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, run the default scenario, print a summary,
# write its HDF5 results and a report with plots.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/ensure_deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
mkdir -p results
# The default: LLM serving at iteration level on the bundled Azure LLM trace (data/README.md).
scenario=${SCALESIM_SCENARIO:-configs/examples/llm_serving_azure.yaml}
echo
./build/default/cli/scalesim run "$scenario" -o results/demo.h5
/usr/bin/python3 analysis/scalesim-report results/demo.h5 -o results/demo-report >/dev/null
echo
echo "Results: results/demo.h5 (schema: docs/hdf5-schema.md)"
echo "Report:  results/demo-report/report.html (open it in a browser), report.md and the plots"
