// run_cuda against run_cpu, bit for bit, on the cascade-like, fork-join and M/M/c networks with
// lognormal, erlang, uniform and exponential services. Exits 77 (ctest: skipped) when no CUDA
// device is usable.
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include "mc_test_models.h"
#include "sweep/mc/mc_backend.h"

namespace {

using namespace scalesim::mc;  // NOLINT(google-build-using-namespace)

int compare(const char* name, const std::vector<McModel>& pts, int reps, std::uint64_t seed) {
  const McResult cpu = run_cpu(pts, reps, seed, 2);
  const McResult gpu = run_cuda(pts, reps, seed);
  std::size_t diff = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < cpu.metrics.size(); ++i) {
    if (std::memcmp(&cpu.metrics[i], &gpu.metrics[i], sizeof(double)) != 0) {
      if (diff == 0) first = i;
      ++diff;
    }
  }
  const bool ok = diff == 0 && cpu.metrics.size() == gpu.metrics.size() &&
                  cpu.station_visits == gpu.station_visits;
  std::printf("%-10s points=%zu reps=%d visits cpu=%llu gpu=%llu differing=%zu %s\n", name,
              pts.size(), reps, static_cast<unsigned long long>(cpu.station_visits),
              static_cast<unsigned long long>(gpu.station_visits), diff, ok ? "OK" : "FAIL");
  if (diff != 0) {
    std::printf("  first difference at %zu: cpu %.17g gpu %.17g\n", first, cpu.metrics[first],
                gpu.metrics[first]);
  }
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  if (!cuda_available()) {
    std::printf("no usable CUDA device: skipped\n");
    return 77;
  }
  namespace t = scalesim::mc::testing;
  int failures = 0;
  try {
    std::vector<McModel> cascade;
    for (int i = 0; i < 4; ++i) {
      cascade.push_back(
          t::cascade(0.002 + 0.0005 * i, t::lognormal(0.003, 0.5), t::erlang(0.004, 3), 20, 2));
    }
    failures += compare("cascade", cascade, 64, 2718);
    const std::vector<McModel> fj = {
        t::fork_join(0.01, t::erlang(0.006, 2), t::lognormal(0.007, 1.0), t::uniform(0.005, 0.5),
                     20, 2),
        t::fork_join(0.01, t::exponential(0.006), t::lognormal(0.007, 0.3), t::erlang(0.008, 4), 20,
                     2, 2)};
    failures += compare("fork-join", fj, 64, 31415);
    const std::vector<McModel> mm = {t::mmc(4, 0.3125, t::exponential(1.0), 2000, 100),
                                     t::tandem(5, 1.0, t::exponential(0.8), 2000, 100)};
    failures += compare("mmc", mm, 300, 7);
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
