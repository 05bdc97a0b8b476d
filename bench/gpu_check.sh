#!/usr/bin/env bash
# GPU check of the Monte Carlo kernel on a machine with an NVIDIA GPU and a fresh checkout:
# configures a CUDA build, builds only the mc targets, runs the GPU-against-CPU bit-for-bit test
# and the benchmark (GPU station visits per second; the target is >= 1e10 on one H100).
# About 3-6 minutes; run from anywhere:  bash bench/gpu_check.sh
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/gpu}
JOBS=$(nproc)
export PATH=/usr/local/cuda/bin:$PATH

echo "== GPUs"
nvidia-smi -L || echo "nvidia-smi failed (no driver?)"

configure() {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSCALESIM_WITH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$1" >"$BUILD.configure.log" 2>&1
}

# Debian packages of ../shared/DESIGN.md "Dependencies", installed only when cmake cannot find
# them (and only as root).
install_deps() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "configure failed and not root: cannot install packages; see $BUILD.configure.log" >&2
    return 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin libhdf5-dev \
    libhdf5-openmpi-dev hdf5-tools libboost-program-options-dev libyaml-cpp-dev \
    librandom123-dev libmetis-dev libgtest-dev libbenchmark-dev >/dev/null
}

mkdir -p "$(dirname "$BUILD")"
echo "== configure ($BUILD)"
if ! configure native; then
  if grep -qiE "Could NOT find|not found|No package" "$BUILD.configure.log"; then
    install_deps
  fi
  rm -rf "$BUILD"
  configure native || { rm -rf "$BUILD"; configure 90; } || {
    tail -40 "$BUILD.configure.log"
    exit 1
  }
fi
grep -E "ScaleSim .*CUDA=" "$BUILD.configure.log" || true
grep -q "CUDA=ON" "$BUILD.configure.log" || { echo "CUDA not enabled in the build" >&2; exit 1; }

echo "== build"
cmake --build "$BUILD" --target mc_gpu_tests mc_tests mc_bench -j"$JOBS" >"$BUILD.build.log" 2>&1 || {
  tail -60 "$BUILD.build.log"
  exit 1
}

echo "== GPU against CPU, bit for bit"
status=0
timeout 300 "$BUILD/tests/mc/mc_gpu_tests" || status=$?
if [ "$status" -eq 77 ]; then
  echo "mc_gpu_tests: skipped, no usable CUDA device" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  echo "mc_gpu_tests FAILED (exit $status)" >&2
  exit "$status"
fi

echo "== nvcc host code against g++ (CPU path)"
timeout 120 "$BUILD/tests/mc/mc_tests" --gtest_filter='McCuda.*:McDeterminism.*'

echo "== benchmark (medians of 5 runs; station_visits_per_s; GPU target >= 1e10 on one H100)"
timeout 240 "$BUILD/bench/mc_bench" --runs 5 --threads "$JOBS"
