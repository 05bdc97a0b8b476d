// Runs the Monte Carlo kernel: every (point, replication) pair is one independent simulation of
// the point's McModel. The CPU path runs the kernel's source as host code over OpenMP threads;
// the CUDA path runs one replication per GPU thread. Same seed, same results, bit for bit, on
// either path and for any thread count.
//
// Random numbers: Philox4x64-10 keyed by (seed, replication); a node's draws come from its own
// counter range. Replication r of every point uses the same streams (common random numbers),
// so differences between points are not masked by sampling noise.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/mc/mc_model.h"

namespace scalesim::mc {

struct McResult {
  int points = 0;
  int replications = 0;
  std::int32_t row_nodes = 0;  // nodes per row (the largest node_count of the points)
  // metrics[((point * replications) + rep) * row_nodes * kNodeMetrics + node * kNodeMetrics + k]
  std::vector<double> metrics;
  std::uint64_t station_visits = 0;  // customer visits to stations, all points and replications
  double wall_seconds = 0;
  std::string kernel;  // the build that ran: "cpu-avx512", "cpu-portable", "cuda", "nvcc-host"

  double at(int point, int rep, int node, int k) const {
    return metrics[((static_cast<std::size_t>(point) * static_cast<std::size_t>(replications) +
                     static_cast<std::size_t>(rep)) *
                        static_cast<std::size_t>(row_nodes) +
                    static_cast<std::size_t>(node)) *
                       kNodeMetrics +
                   static_cast<std::size_t>(k)];
  }
};

// A model the kernel cannot run (not topologically ordered, too many customers for the
// workspace, a batch larger than kMaxBatch ...): says which node and why.
struct McModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws McModelError before running anything when a point is invalid.
void validate(const McModel& model);

// The CPU kernel's builds: the same results, bit for bit; kBest is the AVX-512 build where this
// build of ScaleSim has it and the CPU runs it, else the portable one.
enum class CpuKernel { kBest, kPortable, kAvx512 };
bool cpu_avx512_available();

// REQUIRES: kernel != kAvx512 or cpu_avx512_available() (else std::invalid_argument).
McResult run_cpu(std::span<const McModel> points, int replications, std::uint64_t seed, int threads,
                 CpuKernel kernel = CpuKernel::kBest);

// True when built with CUDA and a device is present.
bool cuda_available();
// REQUIRES: cuda_available().
McResult run_cuda(std::span<const McModel> points, int replications, std::uint64_t seed);
// The kernel's device code compiled by nvcc as host code (CUDA builds only; for the test that
// it matches run_cpu bit for bit). Sequential.
McResult run_nvcc_host(std::span<const McModel> points, int replications, std::uint64_t seed);
bool built_with_cuda();

}  // namespace scalesim::mc
