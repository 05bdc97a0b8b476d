// The CPU pass over (point, replication) pairs, compiled once per instruction set (see
// SCALESIM_MC_ISA in mc_kernel.h): mc_cpu.cpp compiles it portably, mc_cpu_avx512.cpp for
// AVX-512, and run_cpu picks one at run time. Host-only (OpenMP).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "sweep/mc/mc_kernel.h"

namespace scalesim::mc::detail {

// Everything one pass needs, as plain pointers (this struct is shared by the builds, so it holds
// no types of the per-build namespace). Workspaces: `threads` of them, back to back.
struct PairRun {
  const McModel* models = nullptr;
  const kernel::Plan* plans = nullptr;
  std::uint64_t seed = 0;
  std::int64_t replications = 1;
  std::int64_t pairs = 0;
  int threads = 1;
  double* dbl = nullptr;         // threads * ndbl
  std::int32_t* ints = nullptr;  // threads * nint
  std::int64_t ndbl = 0;
  std::int64_t nint = 0;
  std::int64_t capacity = 0;
  std::int64_t slots = 0;
  std::int64_t servers = 0;
  double* metrics = nullptr;  // pairs * row
  std::size_t row = 0;
  std::int32_t* status = nullptr;   // pairs
  std::uint64_t* visits = nullptr;  // pairs
};

// The AVX-512 build's entry points (mc_cpu_avx512.cpp; only in builds that have it).
void run_pairs_avx512(const PairRun& run);
// Its exact order statistic of v[0, n) (v is left as it was; scratch: n elements), for the test
// that it equals the portable one.
double select_rank_avx512(double* v, std::int64_t n, std::int64_t k, double* scratch);

}  // namespace scalesim::mc::detail

namespace scalesim::mc::kernel {
inline namespace SCALESIM_MC_ISA {

inline void run_pairs(const detail::PairRun& run) {
#if defined(_OPENMP)
#pragma omp parallel num_threads(run.threads)
#endif
  {
#if defined(_OPENMP)
    const int t = omp_get_thread_num();
#else
    const int t = 0;
#endif
    const Workspace<false> ws(run.dbl + t * run.ndbl, run.ints + t * run.nint, 1, run.capacity,
                              run.slots, run.servers);
#if defined(_OPENMP)
#pragma omp for schedule(dynamic)
#endif
    for (std::int64_t pair = 0; pair < run.pairs; ++pair) {
      const std::int64_t point = pair / run.replications;
      const std::int64_t rep = pair % run.replications;
      const auto u = static_cast<std::size_t>(pair);
      run.status[u] = simulate<false>(run.models[point], run.plans[point], run.seed,
                                      static_cast<std::uint64_t>(rep), ws,
                                      run.metrics + u * run.row, &run.visits[u]);
    }
  }
}

}  // namespace SCALESIM_MC_ISA
}  // namespace scalesim::mc::kernel
