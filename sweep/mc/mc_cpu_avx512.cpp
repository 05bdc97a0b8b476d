// The AVX-512 build of the CPU pass (compiled with -mavx512f; run_cpu calls it only on a CPU that
// has AVX-512F). Keep this file to the kernel and plain pointers: any other inline function or
// template instantiated here would be compiled for AVX-512 under a name the portable build shares
// (ctest mc.avx512_symbols checks that every weak symbol here is in the avx512 namespace).
#include "sweep/mc/mc_cpu_pairs.h"

#if !defined(__AVX512F__)
#error "mc_cpu_avx512.cpp must be compiled with AVX-512F enabled"
#endif

namespace scalesim::mc::detail {

void run_pairs_avx512(const PairRun& run) {
  kernel::run_pairs(run);
}

double select_rank_avx512(double* v, std::int64_t n, std::int64_t k, double* scratch) {
  return kernel::select_rank_sampled<false>({v, 1}, n, k, {scratch, 1});
}

}  // namespace scalesim::mc::detail
