// Station visits per second of the Monte Carlo kernel (sweep/mc) on a few networks: a single
// M/M/4 station, a 5-station tandem, a cascade (batching station -> router 0.8/0.2 -> batching
// station) and a 3-way fork-join; on CPU threads and, when a CUDA device is usable, the GPU.
// Prints the median of --runs runs (default 5) per case.
//
//   mc_bench [--runs N] [--threads T] [--scale S] [--gpu-only] [--cpu-only]
//
// --scale multiplies the replications (the CPU default fits a few seconds on 2 cores; the GPU
// cases use 2048x more replications so that every SM has work).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mc/mc_backend.h"
#include "mc_test_models.h"

namespace {

using namespace scalesim::mc;  // NOLINT(google-build-using-namespace)
namespace t = scalesim::mc::testing;

struct Case {
  const char* name;
  std::vector<McModel> points;
  int replications;
};

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"mm4", {t::mmc(4, 1.0 / 3.2, t::exponential(1.0), 2000, 100)}, 16});
  c.push_back({"tandem5", {t::tandem(5, 1.0, t::exponential(0.8), 2000, 100)}, 16});
  c.push_back(
      {"cascade", {t::cascade(0.002, t::lognormal(0.003, 0.5), t::erlang(0.004, 3), 20, 2)}, 16});
  c.push_back({"forkjoin",
               {t::fork_join(0.01, t::exponential(0.006), t::lognormal(0.007, 0.5),
                             t::erlang(0.005, 2), 50, 5)},
               16});
  return c;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  int threads = 2;
  double scale = 1;
  bool cpu = true;
  bool gpu = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--scale" && i + 1 < argc) {
      scale = std::atof(argv[++i]);
    } else if (a == "--gpu-only") {
      cpu = false;
    } else if (a == "--cpu-only") {
      gpu = false;
    } else {
      std::fprintf(stderr,
                   "usage: mc_bench [--runs N] [--threads T] [--scale S] [--gpu-only] "
                   "[--cpu-only]\n");
      return 2;
    }
  }
  const bool have_gpu = gpu && cuda_available();
  std::printf("mc_bench: runs=%d threads=%d scale=%g cuda_built=%d cuda_available=%d\n", runs,
              threads, scale, built_with_cuda() ? 1 : 0, have_gpu ? 1 : 0);
  std::printf("%-10s %-8s %8s %14s %12s %18s\n", "network", "backend", "reps", "visits", "median_s",
              "station_visits_per_s");
  for (const Case& c : cases()) {
    for (int backend = 0; backend < 2; ++backend) {
      if (backend == 0 && !cpu) continue;
      if (backend == 1 && !have_gpu) continue;
      const int reps =
          std::max(1, static_cast<int>(c.replications * scale * (backend == 1 ? 2048 : 1) + 0.5));
      std::vector<double> rates;
      std::vector<double> secs;
      std::uint64_t visits = 0;
      if (backend == 1) (void)run_cuda(c.points, 1, 1);  // context and module load
      for (int r = 0; r < runs; ++r) {
        const McResult res = backend == 0
                                 ? run_cpu(c.points, reps, 1000 + static_cast<unsigned>(r), threads)
                                 : run_cuda(c.points, reps, 1000 + static_cast<unsigned>(r));
        visits = res.station_visits;
        secs.push_back(res.wall_seconds);
        rates.push_back(static_cast<double>(res.station_visits) / res.wall_seconds);
      }
      std::printf("%-10s %-8s %8d %14llu %12.4f %18.4g\n", c.name, backend == 0 ? "cpu" : "gpu",
                  reps, static_cast<unsigned long long>(visits), median(secs), median(rates));
    }
  }
  return 0;
}
