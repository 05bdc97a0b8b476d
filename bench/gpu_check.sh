#!/usr/bin/env bash
# GPU check on a machine with an NVIDIA GPU: the Monte Carlo kernel's GPU-against-CPU bit-for-bit
# test, its benchmark (GPU station visits per second; target >= 1e10 on one H100/H200), and the
# GPU microbenchmark for the hardware model (bench/gpu_microbench.cu), whose CSV lands in
# $OUTDIR (default build/gpu-out) ready for calibration/.
#
#   bash bench/gpu_check.sh                  configure, build and run here (needs the project's
#                                            build dependencies and nvcc; about 3-6 minutes)
#   bash bench/gpu_check.sh --bundle DIR     build here (CUDA, no MPI/HDF5) and copy the test and
#                                            benchmark programs with the shared libraries they
#                                            need into DIR, for a GPU node that has a driver and
#                                            CUDA's libraries but no compiler or dev packages
#   bash bench/gpu_check.sh --prebuilt DIR   run the programs of such a bundle (about 2 minutes)
#
# CUDA_ARCH (default native; 90 for a bundle) picks the architecture to build for.
set -euo pipefail

cd "$(dirname "$0")/.."
JOBS=$(nproc)
export PATH=/usr/local/cuda/bin:$PATH
OUTDIR=${OUTDIR:-build/gpu-out}
mode=build
dir=
case "${1:-}" in
  --bundle) mode=bundle; dir=${2:?--bundle needs a folder} ;;
  --prebuilt) mode=prebuilt; dir=${2:?--prebuilt needs a folder} ;;
  "") ;;
  *) echo "usage: bash bench/gpu_check.sh [--bundle DIR | --prebuilt DIR]" >&2; exit 2 ;;
esac

# Debian packages of ../shared/DESIGN.md "Dependencies", installed only when cmake cannot find
# them (and only as root).
install_deps() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "configure failed and not root: cannot install packages; see $BUILD.configure.log" >&2
    return 1
  fi
  ./scripts/ensure_deps.sh
}

configure() {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSCALESIM_WITH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$1" "${EXTRA[@]}" >"$BUILD.configure.log" 2>&1
}

build() {
  mkdir -p "$(dirname "$BUILD")"
  echo "== configure ($BUILD, CUDA architecture $ARCH)"
  if ! configure "$ARCH"; then
    if grep -qiE "Could NOT find|not found|No package" "$BUILD.configure.log"; then
      install_deps
    fi
    rm -rf "$BUILD"
    configure "$ARCH" || { rm -rf "$BUILD"; configure 90; } || {
      tail -40 "$BUILD.configure.log"
      exit 1
    }
  fi
  grep -E "ScaleSim .*CUDA=" "$BUILD.configure.log" || true
  grep -q "CUDA=ON" "$BUILD.configure.log" || { echo "CUDA not enabled in the build" >&2; exit 1; }
  echo "== build"
  cmake --build "$BUILD" --target mc_gpu_tests mc_tests mc_bench gpu_microbench -j"$JOBS" \
    >"$BUILD.build.log" 2>&1 || {
    tail -60 "$BUILD.build.log"
    exit 1
  }
}

PROGRAMS=(tests/mc/mc_gpu_tests tests/mc/mc_tests bench/mc_bench bench/gpu_microbench)

if [ "$mode" = bundle ]; then
  BUILD=${BUILD:-build/gpu-bundle}
  ARCH=${CUDA_ARCH:-90}
  EXTRA=(-DSCALESIM_WITH_MPI=OFF -DSCALESIM_WITH_HDF5=OFF)
  build
  rm -rf "$dir"
  mkdir -p "$dir/lib"
  for p in "${PROGRAMS[@]}"; do
    cp "$BUILD/$p" "$dir/"
    # Every shared library outside the C library and the CUDA driver and math libraries,
    # which the GPU node brings itself.
    ldd "$BUILD/$p" | awk '/=> \// {print $3}' | while read -r lib; do
      case "$(basename "$lib")" in
        libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | ld-linux* | libcuda.so* | \
          libcublas* | libcublasLt*) ;;
        # The C++ and OpenMP runtimes are used only where the node has none (a newer system
        # copy must win: the node's CUDA libraries may need it).
        libstdc++* | libgcc_s* | libgomp*) mkdir -p "$dir/lib/system"; cp -L "$lib" "$dir/lib/system/" ;;
        *) cp -L "$lib" "$dir/lib/" ;;
      esac
    done
  done
  du -sh "$dir"
  exit 0
fi

if [ "$mode" = prebuilt ]; then
  BIN=$dir
  # The node's CUDA libraries: the toolkit's, else the ones Python's CUDA wheels bring.
  extra=$(ls -d /usr/local/cuda/lib64 /usr/local/cuda/targets/*/lib \
    /usr/lib/python3*/site-packages/nvidia/cu*/lib /opt/*/.venv/lib/python3*/site-packages/nvidia/cu*/lib \
    2>/dev/null | tr '\n' ':' || true)
  export LD_LIBRARY_PATH="$dir/lib:${extra}${LD_LIBRARY_PATH:-}"
  for p in mc_gpu_tests mc_tests mc_bench gpu_microbench; do
    if ldd "$dir/$p" | grep -q "not found"; then
      export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$dir/lib/system"
      break
    fi
  done
  for p in mc_gpu_tests mc_tests mc_bench gpu_microbench; do
    ldd "$dir/$p" | grep "not found" && { echo "$p: missing shared libraries" >&2; exit 1; }
  done
  MC_GPU=$BIN/mc_gpu_tests MC=$BIN/mc_tests MC_BENCH=$BIN/mc_bench MICRO=$BIN/gpu_microbench
else
  BUILD=${BUILD:-build/gpu}
  ARCH=${CUDA_ARCH:-native}
  EXTRA=()
  build
  MC_GPU=$BUILD/tests/mc/mc_gpu_tests MC=$BUILD/tests/mc/mc_tests MC_BENCH=$BUILD/bench/mc_bench
  MICRO=$BUILD/bench/gpu_microbench
fi

echo "== GPUs"
nvidia-smi -L || echo "nvidia-smi failed (no driver?)"
smi=$(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,power.limit,pstate \
  --format=csv,noheader 2>/dev/null | head -1 || true)
echo "$smi"
gpu_name=$(echo "$smi" | cut -d, -f1)
# The catalog GPU the model predicts for (configs/hardware/gpus.yaml).
case "$gpu_name" in
  *H200*) catalog_gpu=H200-SXM-141GB ;;
  *H100*PCIe*) catalog_gpu= ;;
  *H100*) catalog_gpu=H100-SXM5-80GB ;;
  *A100-SXM4-80GB* | *A100*SXM*80GB*) catalog_gpu=A100-SXM4-80GB ;;
  *A100-SXM4-40GB* | *A100*SXM*40GB*) catalog_gpu=A100-SXM4-40GB ;;
  *) catalog_gpu= ;;
esac

echo "== GPU against CPU, bit for bit"
status=0
timeout 300 "$MC_GPU" || status=$?
if [ "$status" -eq 77 ]; then
  echo "mc_gpu_tests: skipped, no usable CUDA device" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  echo "mc_gpu_tests FAILED (exit $status)" >&2
  exit "$status"
fi

echo "== nvcc host code against g++ (CPU path)"
timeout 120 "$MC" --gtest_filter='McCuda.*:McDeterminism.*'

echo "== GPU microbenchmark"
mkdir -p "$OUTDIR"
slug=$(echo "${catalog_gpu:-$gpu_name}" | tr -c 'A-Za-z0-9_.\n-' '_' | tr 'A-Z' 'a-z')
csv="$OUTDIR/gpu_microbench_${slug:-unknown}.csv"
# Clocks, power and throttling once a second while it runs (a GEMM's rate follows the clock).
sampler=
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_event_reasons.active \
    --format=csv -lms 1000 >"$OUTDIR/gpu_clocks.csv" 2>/dev/null &
  sampler=$!
fi
# Several runs, merged into one file of per-case medians (small kernels vary from run to run).
runs=${MICRO_RUNS:-3}
parts=()
for i in $(seq 1 "$runs"); do
  parts+=("$OUTDIR/gpu_microbench_run$i.csv")
  timeout 240 "$MICRO" -o "$OUTDIR/gpu_microbench_run$i.csv" --meta "catalog_gpu=${catalog_gpu}" \
    --meta "nvidia_smi=name, driver, max SM clock, max memory clock, power limit, pstate: ${smi//,/;}" \
    --meta "command=bash bench/gpu_check.sh ($mode), run $i of $runs" \
    --meta "date=$(date -u +%Y-%m-%d)" >"$OUTDIR/gpu_microbench_run$i.txt"
done
python3 bench/microbench_median.py "${parts[@]}" -o "$csv"
cat "$OUTDIR/gpu_microbench_run$runs.txt"
echo "merged $runs runs into $csv"
[ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true

echo "== mc benchmark (medians of ${MC_RUNS:-5} runs; station_visits_per_s; GPU target >= 1e10)"
timeout 240 "$MC_BENCH" --runs "${MC_RUNS:-5}" --threads "$JOBS"
