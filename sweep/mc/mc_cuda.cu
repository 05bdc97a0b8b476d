// The CUDA driver of the Monte Carlo kernel: one (point, replication) pair per GPU thread, all
// points of a sweep in one launch, workspaces interleaved across threads in global memory and
// processed in waves when they do not all fit. run_nvcc_host runs the same kernel source as
// nvcc's host code (for the bit-for-bit test against run_cpu on machines without a GPU).
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/mc/mc_backend.h"
#include "sweep/mc/mc_internal.h"
#include "sweep/mc/mc_kernel.h"

namespace scalesim::mc {

namespace {

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(err));
  }
}

template <class T>
struct DeviceBuffer {
  T* p = nullptr;
  explicit DeviceBuffer(std::size_t n, const char* what) {
    check(cudaMalloc(reinterpret_cast<void**>(&p), std::max<std::size_t>(n, 1) * sizeof(T)), what);
  }
  ~DeviceBuffer() {
    if (p != nullptr) cudaFree(p);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

constexpr int kBlock = 128;

// Each thread simulates a whole replication and keeps much of it in registers; without a bound
// nvcc gives it 158 on sm_90, which leaves 12 warps per SM, too few to hide the latency of the
// workspace loads. Four blocks per SM (at most 128 registers) was the fastest of 1, 2, 3, 4, 6
// and 8 on an H200 (bench/RESULTS.md); the bound changes no result.
#ifndef SCALESIM_MC_MIN_BLOCKS
#define SCALESIM_MC_MIN_BLOCKS 4
#endif

__global__ void __launch_bounds__(kBlock, SCALESIM_MC_MIN_BLOCKS)
    mc_kernel(const McModel* models, const kernel::Plan* plans, std::int64_t reps,
              std::uint64_t seed, std::int64_t pair0, std::int64_t lanes, double* dbl,
              std::int32_t* ints, std::int64_t capacity, std::int64_t slots, std::int64_t servers,
              double* metrics, std::int64_t row, std::uint64_t* visits, std::int32_t* status) {
  const std::int64_t lane =
      static_cast<std::int64_t>(blockIdx.x) * blockDim.x + static_cast<std::int64_t>(threadIdx.x);
  if (lane >= lanes) return;
  const std::int64_t pair = pair0 + lane;
  const std::int64_t point = pair / reps;
  const std::int64_t rep = pair % reps;
  const kernel::Workspace<true> ws(dbl + lane, ints + lane, lanes, capacity, slots, servers);
  status[pair] =
      kernel::simulate<true>(models[point], plans[point], seed, static_cast<std::uint64_t>(rep), ws,
                             metrics + pair * row, &visits[pair]);
}

}  // namespace

bool cuda_available() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky-free error state
    return false;
  }
  return n > 0;
}

McResult run_cuda(std::span<const McModel> points, int replications, std::uint64_t seed) {
  const auto t_start = std::chrono::steady_clock::now();
  const detail::Prepared prep = detail::prepare(points, replications);
  McResult result = detail::make_result(prep, static_cast<int>(points.size()), replications);
  result.kernel = "cuda";
  const std::int64_t pairs = prep.pairs;
  const std::int64_t row = static_cast<std::int64_t>(prep.row_nodes) * kNodeMetrics;
  const std::int64_t ndbl = kernel::workspace_doubles(prep.capacity, prep.slots, prep.servers);
  const std::int64_t nint = kernel::workspace_ints(prep.capacity);
  const std::int64_t lane_bytes = ndbl * 8 + nint * 4;

  check(cudaSetDevice(0), "cudaSetDevice");
  DeviceBuffer<McModel> d_models(points.size(), "cudaMalloc(models)");
  DeviceBuffer<kernel::Plan> d_plans(points.size(), "cudaMalloc(plans)");
  DeviceBuffer<double> d_metrics(result.metrics.size(), "cudaMalloc(metrics)");
  DeviceBuffer<std::uint64_t> d_visits(static_cast<std::size_t>(pairs), "cudaMalloc(visits)");
  DeviceBuffer<std::int32_t> d_status(static_cast<std::size_t>(pairs), "cudaMalloc(status)");
  check(cudaMemcpy(d_models.p, points.data(), points.size() * sizeof(McModel),
                   cudaMemcpyHostToDevice),
        "cudaMemcpy(models)");
  check(cudaMemcpy(d_plans.p, prep.plans.data(), prep.plans.size() * sizeof(kernel::Plan),
                   cudaMemcpyHostToDevice),
        "cudaMemcpy(plans)");
  check(cudaMemset(d_metrics.p, 0, result.metrics.size() * sizeof(double)), "cudaMemset");

  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  const auto budget = static_cast<std::int64_t>(static_cast<double>(free_bytes) * 0.7);
  std::int64_t lanes = std::min<std::int64_t>(pairs, budget / lane_bytes);
  if (lanes < 1) {
    throw McModelError("one replication's workspace (" + std::to_string(lane_bytes) +
                       " bytes) does not fit in the GPU's free memory");
  }
  DeviceBuffer<double> d_dbl(static_cast<std::size_t>(lanes * ndbl), "cudaMalloc(workspace)");
  DeviceBuffer<std::int32_t> d_int(static_cast<std::size_t>(lanes * nint), "cudaMalloc(workspace)");
  for (std::int64_t pair0 = 0; pair0 < pairs; pair0 += lanes) {
    const std::int64_t n = std::min(lanes, pairs - pair0);
    const auto blocks = static_cast<unsigned>((n + kBlock - 1) / kBlock);
    mc_kernel<<<blocks, kBlock>>>(d_models.p, d_plans.p, replications, seed, pair0, n, d_dbl.p,
                                  d_int.p, prep.capacity, prep.slots, prep.servers, d_metrics.p,
                                  row, d_visits.p, d_status.p);
    check(cudaGetLastError(), "kernel launch");
  }
  check(cudaDeviceSynchronize(), "kernel");
  std::vector<std::int32_t> status(static_cast<std::size_t>(pairs));
  std::vector<std::uint64_t> visits(static_cast<std::size_t>(pairs));
  check(cudaMemcpy(result.metrics.data(), d_metrics.p, result.metrics.size() * sizeof(double),
                   cudaMemcpyDeviceToHost),
        "cudaMemcpy(metrics)");
  check(cudaMemcpy(status.data(), d_status.p, status.size() * sizeof(std::int32_t),
                   cudaMemcpyDeviceToHost),
        "cudaMemcpy(status)");
  check(cudaMemcpy(visits.data(), d_visits.p, visits.size() * sizeof(std::uint64_t),
                   cudaMemcpyDeviceToHost),
        "cudaMemcpy(visits)");
  detail::finish(result, prep, status, visits);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return result;
}

McResult run_nvcc_host(std::span<const McModel> points, int replications, std::uint64_t seed) {
  const auto t_start = std::chrono::steady_clock::now();
  const detail::Prepared prep = detail::prepare(points, replications);
  McResult result = detail::make_result(prep, static_cast<int>(points.size()), replications);
  result.kernel = "nvcc-host";
  const std::int64_t pairs = prep.pairs;
  const auto row = static_cast<std::size_t>(prep.row_nodes) * kNodeMetrics;
  std::vector<double> dbl(
      static_cast<std::size_t>(kernel::workspace_doubles(prep.capacity, prep.slots, prep.servers)));
  std::vector<std::int32_t> ints(static_cast<std::size_t>(kernel::workspace_ints(prep.capacity)));
  const kernel::Workspace<false> ws(dbl.data(), ints.data(), 1, prep.capacity, prep.slots,
                                    prep.servers);
  std::vector<std::int32_t> status(static_cast<std::size_t>(pairs));
  std::vector<std::uint64_t> visits(static_cast<std::size_t>(pairs));
  for (std::int64_t pair = 0; pair < pairs; ++pair) {
    const auto u = static_cast<std::size_t>(pair);
    const std::int64_t point = pair / replications;
    status[u] = kernel::simulate<false>(points[static_cast<std::size_t>(point)],
                                        prep.plans[static_cast<std::size_t>(point)], seed,
                                        static_cast<std::uint64_t>(pair % replications), ws,
                                        result.metrics.data() + u * row, &visits[u]);
  }
  detail::finish(result, prep, status, visits);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return result;
}

}  // namespace scalesim::mc
