// Station visits per second of the Monte Carlo kernel (sweep/mc) on a few networks: a single
// M/M/4 station, a 5-station tandem, a cascade (batching station -> router 0.8/0.2 -> batching
// station) and a 3-way fork-join; on CPU threads and, when a CUDA device is usable, the GPU.
// Prints the median of --runs runs (default 5) per case.
//
//   mc_bench [--runs N] [--threads T] [--scale S] [--kernel best|portable|avx512|both]
//            [--gpu-only] [--cpu-only]
//
// --scale multiplies the replications (the CPU default fits a few seconds on 2 cores; the GPU
// cases use 2048x more replications so that every SM has work). --kernel picks the CPU kernel's
// build (default: the best this CPU runs); `both` runs the portable and AVX-512 builds in turns
// and prints the median of their per-run ratios.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mc_test_models.h"
#include "sweep/mc/mc_backend.h"

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
  std::string kernel = "best";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--scale" && i + 1 < argc) {
      scale = std::atof(argv[++i]);
    } else if (a == "--kernel" && i + 1 < argc) {
      kernel = argv[++i];
    } else if (a == "--gpu-only") {
      cpu = false;
    } else if (a == "--cpu-only") {
      gpu = false;
    } else {
      kernel = "?";
      break;
    }
  }
  if (kernel != "best" && kernel != "portable" && kernel != "avx512" && kernel != "both") {
    std::fprintf(stderr,
                 "usage: mc_bench [--runs N] [--threads T] [--scale S] "
                 "[--kernel best|portable|avx512|both] [--gpu-only] [--cpu-only]\n");
    return 2;
  }
  if ((kernel == "avx512" || kernel == "both") && !cpu_avx512_available()) {
    std::fprintf(stderr, "mc_bench: the AVX-512 kernel is not available here\n");
    return 2;
  }
  const bool have_gpu = gpu && cuda_available();
  std::printf("mc_bench: runs=%d threads=%d scale=%g cuda_built=%d cuda_available=%d avx512=%d\n",
              runs, threads, scale, built_with_cuda() ? 1 : 0, have_gpu ? 1 : 0,
              cpu_avx512_available() ? 1 : 0);
  // The runners of one case take turns run by run (A B A B ...), so that a paired comparison
  // sees the same machine load.
  std::vector<CpuKernel> cpu_kernels;
  if (cpu) {
    if (kernel == "best") cpu_kernels = {CpuKernel::kBest};
    if (kernel == "portable" || kernel == "both") cpu_kernels.push_back(CpuKernel::kPortable);
    if (kernel == "avx512" || kernel == "both") cpu_kernels.push_back(CpuKernel::kAvx512);
  }
  std::printf("%-10s %-13s %8s %14s %12s %18s\n", "network", "kernel", "reps", "visits", "median_s",
              "station_visits_per_s");
  for (const Case& c : cases()) {
    const std::size_t runners = cpu_kernels.size() + (have_gpu ? 1 : 0);
    std::vector<std::vector<double>> rates(runners);
    std::vector<std::vector<double>> secs(runners);
    std::vector<std::string> names(runners);
    std::vector<int> reps(runners);
    std::vector<std::uint64_t> visits(runners);
    if (have_gpu) (void)run_cuda(c.points, 1, 1);  // context and module load
    for (int r = 0; r < runs; ++r) {
      for (std::size_t k = 0; k < runners; ++k) {
        const bool on_gpu = k == cpu_kernels.size();
        reps[k] = std::max(
            1, static_cast<int>(std::lround(c.replications * scale * (on_gpu ? 2048 : 1))));
        const auto seed = 1000 + static_cast<unsigned>(r);
        const McResult res = on_gpu ? run_cuda(c.points, reps[k], seed)
                                    : run_cpu(c.points, reps[k], seed, threads, cpu_kernels[k]);
        names[k] = res.kernel;
        visits[k] = res.station_visits;
        secs[k].push_back(res.wall_seconds);
        rates[k].push_back(static_cast<double>(res.station_visits) / res.wall_seconds);
      }
    }
    for (std::size_t k = 0; k < runners; ++k) {
      std::printf("%-10s %-13s %8d %14llu %12.4f %18.4g\n", c.name, names[k].c_str(), reps[k],
                  static_cast<unsigned long long>(visits[k]), median(secs[k]), median(rates[k]));
    }
    if (kernel == "both" && cpu) {
      std::vector<double> ratio;  // per run: avx512 over portable
      for (std::size_t r = 0; r < rates[0].size(); ++r) ratio.push_back(rates[1][r] / rates[0][r]);
      std::printf("%-10s %-13s %8s %14s %12s %18.3f\n", c.name, "avx512/port", "", "", "",
                  median(ratio));
    }
  }
  return 0;
}
