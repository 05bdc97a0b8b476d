#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build with warnings as errors, run every test.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/ensure_deps.sh
jobs=$(nproc)
cmake --preset default -DSCALESIM_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs" "$@"
