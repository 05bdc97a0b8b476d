#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build with warnings as errors, run every test.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/ensure_deps.sh
jobs=$(nproc)
cmake --preset default -DSCALESIM_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs" "$@"

# MPI, HDF5, CUDA and OpenMP can each be switched off: build without all of them and run the
# unit and integration tests there too. Every preset CI builds is a unity build (eight sources
# per compiler run), which halves the compile time on 2 cores; clang-tidy still checks each
# source as its own translation unit (tests/style/per_file_compile_db.py).
cmake --preset minimal -DSCALESIM_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build --preset minimal -j "$jobs"
ctest --preset minimal -j "$jobs" -L 'unit|integration'

# AddressSanitizer + UndefinedBehaviorSanitizer over the unit and integration tests (MPI and
# OpenMP paths included; Open MPI's own allocations are suppressed in tests/sanitizers/).
# patterns.doc replays the same ten templates as patterns.templates and only compares a
# document, so it runs in the Release stage alone.
cmake --preset asan -DSCALESIM_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs" -L 'unit|integration' -E 'style|patterns.doc'

# Fuzzing (clang's libFuzzer with ASan + UBSan): the YAML config loader and network builder,
# the unit parsers and the calibration CSV reader, 40 s each over a copy of tests/fuzz/corpus/.
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
ctest --preset fuzz -j "$jobs"

# ThreadSanitizer over the OpenMP thread paths (parallel kernel, ensembles): clang with LLVM's
# libomp, MPI and HDF5 off.
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs"
ctest --preset tsan
