// The Monte Carlo kernel (sweep/mc): queueing theory, determinism, common random numbers,
// batching, routing, fork-join, the window, model validation and, in CUDA builds, nvcc's host
// compilation of the kernel against the g++ one, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mc_test_models.h"
#include "scalesim/stats/confidence.h"
#include "sweep/mc/mc_backend.h"
#include "sweep/mc/mc_cpu_pairs.h"
#include "sweep/mc/mc_kernel.h"

namespace scalesim::mc {
namespace {

using testing::Builder;
using testing::deterministic;
using testing::erlang;
using testing::exponential;
using testing::lognormal;

constexpr double kLevel = 0.99;

std::vector<double> column(const McResult& r, int point, int node, int k) {
  std::vector<double> v;
  for (int rep = 0; rep < r.replications; ++rep) v.push_back(r.at(point, rep, node, k));
  return v;
}

ConfidenceInterval ci(const McResult& r, int point, int node, int k) {
  const std::vector<double> v = column(r, point, node, k);
  return t_interval(v, kLevel);
}

bool same_bits(const McResult& a, const McResult& b) {
  return a.metrics.size() == b.metrics.size() && a.station_visits == b.station_visits &&
         std::memcmp(a.metrics.data(), b.metrics.data(), a.metrics.size() * sizeof(double)) == 0;
}

double erlang_c_wait(int c, double lambda, double mu) {
  const double a = lambda / mu;
  const double rho = a / c;
  double sum = 0;
  double term = 1;  // a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term / (1 - rho);  // a^c / c! / (1 - rho)
  const double p_wait = top / (sum + top);
  return p_wait / (c * mu - lambda);
}

// --- math ------------------------------------------------------------------------------------

TEST(McMath, LogAndExpMatchLibmClosely) {
  double worst_log = 0;
  double worst_exp = 0;
  for (int i = 1; i < 200000; ++i) {
    const double u = (i + 0.5) / 200000.0;
    const double x = u * std::pow(10.0, (i % 41) - 20);
    const double l = kernel::mc_log(x);
    // Absolute error for |log x| < 1 (the kernel uses log for -mean * log(u): an absolute error
    // of 1e-16 * mean is far below anything a sample could show), relative above.
    worst_log =
        std::max(worst_log, std::fabs(l - std::log(x)) / std::max(1.0, std::fabs(std::log(x))));
    const double y = (u - 0.5) * 1400.0 / ((i % 7) + 1);
    worst_exp = std::max(worst_exp, std::fabs(kernel::mc_exp(y) - std::exp(y)) / std::exp(y));
  }
  EXPECT_LT(worst_log, 5e-16);
  EXPECT_LT(worst_exp, 1e-15);
  // Just above 1 the series alone runs (breakpoint 1): relative accuracy; just below, absolute.
  for (const double x : {1.0 + 1e-12, 1.0000001, 1.4142135}) {
    EXPECT_NEAR(kernel::mc_log(x), std::log(x), 2e-16 * std::fabs(std::log(x))) << x;
  }
  for (const double x : {1.0 - 1e-12, 0.9999999, 0.70710678}) {
    EXPECT_NEAR(kernel::mc_log(x), std::log(x), 5e-16) << x;
  }
  EXPECT_EQ(kernel::mc_log(1.0), 0.0);
  EXPECT_EQ(kernel::mc_exp(0.0), 1.0);
  EXPECT_NEAR(kernel::mc_log(4.9e-324), std::log(4.9e-324), 1e-12);
}

// --- random numbers ------------------------------------------------------------------------------

TEST(McRandom, HostPhiloxMatchesRandom123) {
  // The host's written-out rounds against Random123's Philox4x64-10 (the device's), over
  // counters and keys with high bits set.
  for (std::uint64_t b = 0; b < 2000; ++b) {
    const std::uint64_t c0 = b * 0x9E3779B97F4A7C15ULL;
    const std::uint64_t c1 = ~b;
    const std::uint64_t k0 = b ^ 0xDEADBEEFCAFEF00DULL;
    const std::uint64_t k1 = b << 40;
    std::uint64_t mine[4];
    kernel::philox4x64_10(c0, c1, k0, k1, mine);
    const r123::Philox4x64::ctr_type ctr = {{c0, c1, 0, 0}};
    const r123::Philox4x64::key_type key = {{k0, k1}};
    const r123::Philox4x64::ctr_type ref = r123::Philox4x64{}(ctr, key);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(mine[i], ref.v[i]) << "block " << b << " word " << i;
  }
  // A stream's words are block w / 4, word w % 4, sequentially and by index.
  kernel::Stream seq(5, 6, 7, kernel::kPurposeService);
  kernel::Stream at(5, 6, 7, kernel::kPurposeService);
  for (std::uint64_t w = 0; w < 100; ++w) {
    const r123::Philox4x64::ctr_type ctr = {{w / 4, (7ULL << 8) | kernel::kPurposeService, 0, 0}};
    const r123::Philox4x64::ctr_type ref = r123::Philox4x64{}(ctr, {{5, 6}});
    ASSERT_EQ(seq.next(), ref.v[w % 4]) << w;
    if (w % 3 == 0) {
      ASSERT_EQ(at.uniform_at(w), kernel::to_uniform(ref.v[w % 4])) << w;
    }
  }
}

// Kolmogorov-Smirnov distance of sorted draws from a CDF.
template <class Cdf>
double ks_distance(std::vector<double> x, Cdf cdf) {
  std::sort(x.begin(), x.end());
  const auto n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

TEST(McRandom, ZigguratSamplersFollowTheirLaws) {
  // 2e6 draws each (fixed seed). KS critical value at the 0.1% level: 1.95 / sqrt(n) = 1.4e-3.
  // Tails beyond the base layer (R), where the slow paths run: counts within 5 standard
  // deviations of n * P(tail). Mean and variance within 5 standard errors.
  constexpr int kN = 2000000;
  const double ks_crit = 1.95 / std::sqrt(static_cast<double>(kN));
  kernel::Stream st(2024, 11, 3, kernel::kPurposeService);
  std::vector<double> e(kN);
  std::vector<double> z(kN);
  for (double& x : e) x = kernel::exponential(st);
  for (double& x : z) x = kernel::normal(st);
  EXPECT_LT(ks_distance(e, [](double x) { return 1.0 - std::exp(-x); }), ks_crit);
  EXPECT_LT(ks_distance(z, [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }), ks_crit);
  auto tail_count = [](const std::vector<double>& v, double r) {
    return static_cast<double>(
        std::count_if(v.begin(), v.end(), [r](double x) { return std::fabs(x) > r; }));
  };
  const double p_exp = std::exp(-7.69711747013104972);
  const double p_nor = std::erfc(3.442619855899 / std::sqrt(2.0));
  EXPECT_NEAR(tail_count(e, 7.69711747013104972), kN * p_exp, 5 * std::sqrt(kN * p_exp));
  EXPECT_NEAR(tail_count(z, 3.442619855899), kN * p_nor, 5 * std::sqrt(kN * p_nor));
  double se = 0, se2 = 0, sz = 0, sz2 = 0;
  for (int i = 0; i < kN; ++i) {
    se += e[static_cast<std::size_t>(i)];
    se2 += e[static_cast<std::size_t>(i)] * e[static_cast<std::size_t>(i)];
    sz += z[static_cast<std::size_t>(i)];
    sz2 += z[static_cast<std::size_t>(i)] * z[static_cast<std::size_t>(i)];
  }
  const double n = kN;
  // Exponential: mean 1 (sd 1), E[x^2] = 2 (sd sqrt(20)); normal: mean 0 (sd 1), E[z^2] = 1
  // (sd sqrt(2)).
  EXPECT_NEAR(se / n, 1.0, 5 / std::sqrt(n));
  EXPECT_NEAR(se2 / n, 2.0, 5 * std::sqrt(20.0 / n));
  EXPECT_NEAR(sz / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(sz2 / n, 1.0, 5 * std::sqrt(2.0 / n));
}

TEST(McKernel, SampledSelectIsExactAndLeavesItsInputAlone) {
  // Against std::nth_element over sizes that take zero to several rounds, values with heavy ties,
  // sorted and reversed input, and every rank the kernel asks for plus the extremes.
  kernel::Stream st(77, 1, 1, kernel::kPurposeService);
  int checked = 0;
  int checked_avx512 = 0;
  for (const int n : {5, 300, 1000, 6400, 50000}) {
    for (int shape = 0; shape < 6; ++shape) {
      std::vector<double> v(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        const double u = st.uniform();
        double x = kernel::exponential(st);
        if (shape == 1) x = std::floor(u * 3);          // three values
        if (shape == 2) x = 4.0;                        // one value
        if (shape == 3) x = i;                          // ascending
        if (shape == 4) x = n - i;                      // descending
        if (shape == 5) x = u < 0.995 ? 1.0 : 1.0 + u;  // a tie below a thin tail
        v[static_cast<std::size_t>(i)] = x;
      }
      const std::vector<double> original = v;
      std::vector<double> scratch(v.size());
      for (const std::int64_t k :
           {std::int64_t{0}, std::int64_t{1}, kernel::quantile_index(n, 50, 100),
            kernel::quantile_index(n, 95, 100), kernel::quantile_index(n, 99, 100),
            static_cast<std::int64_t>(n - 1)}) {
        std::vector<double> ref = original;
        std::nth_element(ref.begin(), ref.begin() + k, ref.end());
        const double got =
            kernel::select_rank_sampled<false>({v.data(), 1}, n, k, {scratch.data(), 1});
        EXPECT_EQ(got, ref[static_cast<std::size_t>(k)])
            << "n " << n << " shape " << shape << " k " << k;
        ASSERT_EQ(v, original);
#ifdef SCALESIM_MC_TEST_AVX512
        // The AVX-512 build's selection (vector compaction): the same value, input untouched.
        if (cpu_avx512_available()) {
          EXPECT_EQ(detail::select_rank_avx512(v.data(), n, k, scratch.data()),
                    ref[static_cast<std::size_t>(k)])
              << "avx512: n " << n << " shape " << shape << " k " << k;
          ASSERT_EQ(v, original);
          ++checked_avx512;
        }
#endif
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 5 * 6 * 6);
  EXPECT_TRUE(checked_avx512 == 0 || checked_avx512 == checked);
}

TEST(McKernel, SelectAndSortAgreeWithStdSort) {
  kernel::Stream st(9, 9, 1, kernel::kPurposeService);
  for (const int n : {1, 2, 7, 100, 5000}) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (double& x : v) x = std::floor(st.uniform() * 50);  // many duplicates
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> w = v;
    const kernel::View<double, false> view{w.data(), 1};
    std::int64_t prev = 0;
    for (const int q : {50, 95, 99}) {
      const std::int64_t k = kernel::quantile_index(n, q, 100);
      EXPECT_EQ(kernel::select_rank<false>(view, n, k, prev), sorted[static_cast<std::size_t>(k)]);
      prev = k;
    }
    // (time, id) pairs in two interleaved runs plus local disorder: the merge sort path.
    std::vector<double> t(static_cast<std::size_t>(n));
    std::vector<std::int32_t> id(static_cast<std::size_t>(n));
    std::vector<double> t2(t.size());
    std::vector<std::int32_t> id2(id.size());
    std::vector<std::pair<double, std::int32_t>> ref;
    for (int i = 0; i < n; ++i) {
      const double base = (i < n / 2) ? i : (i - n / 2);
      t[static_cast<std::size_t>(i)] = base + std::floor(st.uniform() * 3);
      id[static_cast<std::size_t>(i)] = i;
      ref.emplace_back(t[static_cast<std::size_t>(i)], i);
    }
    std::sort(ref.begin(), ref.end());
    const bool second = kernel::sort_pairs<false>({t.data(), 1}, {id.data(), 1}, {t2.data(), 1},
                                                  {id2.data(), 1}, n);
    for (int i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      EXPECT_EQ(second ? t2[u] : t[u], ref[u].first);
      EXPECT_EQ(second ? id2[u] : id[u], ref[u].second);
    }
  }
}

// --- queueing theory ----------------------------------------------------------------------------

TEST(McQueueing, MMcWaitMatchesErlangC) {
  const int c = 4;
  const double mu = 1.0;
  const double rho = 0.8;
  const double lambda = rho * c * mu;
  const McModel m = testing::mmc(c, 1 / lambda, exponential(1 / mu), 20000, 1000);
  const McResult r = run_cpu({&m, 1}, 40, 12345, 2);
  const double wq = erlang_c_wait(c, lambda, mu);
  const ConfidenceInterval w = ci(r, 0, 1, kStationMeanWait);
  EXPECT_TRUE(w.contains(wq)) << "Erlang C " << wq << " CI " << w.lower() << " .. " << w.upper();
  EXPECT_LT(w.half_width, 0.05 * wq);
  const ConfidenceInterval u = ci(r, 0, 1, kStationUtilisation);
  EXPECT_TRUE(u.contains(rho)) << u.lower() << " .. " << u.upper();
  EXPECT_LT(u.half_width, 0.01);
  // Sojourn = wait + service.
  const ConfidenceInterval s = ci(r, 0, 1, kStationMeanSojourn);
  EXPECT_TRUE(s.contains(wq + 1 / mu)) << s.lower() << " .. " << s.upper();
  EXPECT_GT(r.station_visits, 40u * 60000u);
}

TEST(McQueueing, OneReplicaOfFourInstancesIsAnMM4) {
  // Four servers as one replica of four instances (factor 1 at any load) start every service
  // when the M/M/4 heap would, on the same draws: every metric but busy replicas is the same.
  const McModel heap = testing::mmc(4, 1 / 3.2, exponential(1.0), 3000, 100);
  McModel replica = heap;
  replica.nodes[1].instances = 4;
  const McModel both[2] = {heap, replica};
  const McResult r = run_cpu(both, 8, 99, 2);
  for (int rep = 0; rep < 8; ++rep) {
    for (int k = 0; k < kNodeMetrics; ++k) {
      if (k == kStationBusyReplicas) continue;
      EXPECT_EQ(r.at(0, rep, 1, k), r.at(1, rep, 1, k)) << "rep " << rep << " metric " << k;
      EXPECT_EQ(r.at(0, rep, 2, k), r.at(1, rep, 2, k)) << "rep " << rep << " sink metric " << k;
    }
  }
  EXPECT_GT(r.at(0, 0, 1, kStationMeanWait), 0.1);  // a loaded M/M/4 (rho 0.8) does queue
}

TEST(McKernel, ArrivalsServedInPlaceEqualGatheredOnes) {
  // After a one-edge fork every customer reaches the stations, in order, and they are served
  // straight from their arrival buffers; after a one-edge router (probability 1, the same
  // customers) they are gathered by id. The 2-server station reorders departures, so the third
  // station sorts in both. Same node numbers, so the same draws: the same bits.
  auto build = [](bool fork) {
    Builder b;
    const int s = b.source(exponential(1.0));
    const int split = fork ? b.fork() : b.router();
    const int q1 = b.station(exponential(0.7));
    const int q2 = b.station(lognormal(1.5, 0.8), 2);
    const int q3 = b.station(erlang(0.8, 2));
    const int k = b.sink();
    b.edge(s, split);
    b.edge(split, q1, 1.0, 0.01);
    b.edge(q1, q2);
    b.edge(q2, q3, 1.0, 0.02);
    b.edge(q3, k);
    return b.build(3000, 100);
  };
  const McModel both[2] = {build(true), build(false)};
  const McResult r = run_cpu(both, 4, 4242, 2);
  for (int rep = 0; rep < 4; ++rep) {
    for (int node = 2; node <= 5; ++node) {
      for (int k = 0; k < kNodeMetrics; ++k) {
        EXPECT_EQ(r.at(0, rep, node, k), r.at(1, rep, node, k))
            << "rep " << rep << " node " << node << " metric " << k;
      }
    }
  }
  EXPECT_GT(r.at(0, 0, 5, kSinkCount), 2000.0);
}

TEST(McQueueing, MD1WaitMatchesPollaczekKhinchine) {
  const double s = 1.0;
  const double rho = 0.7;
  const McModel m = testing::mmc(1, s / rho, deterministic(s), 20000, 1000);
  const McResult r = run_cpu({&m, 1}, 40, 777, 2);
  const double wq = rho * s / (2 * (1 - rho));
  const ConfidenceInterval w = ci(r, 0, 1, kStationMeanWait);
  EXPECT_TRUE(w.contains(wq)) << "P-K " << wq << " CI " << w.lower() << " .. " << w.upper();
  EXPECT_LT(w.half_width, 0.05 * wq);
  const ConfidenceInterval u = ci(r, 0, 1, kStationUtilisation);
  EXPECT_TRUE(u.contains(rho)) << u.lower() << " .. " << u.upper();
}

TEST(McQueueing, ThroughputMatchesArrivalRateInWindow) {
  const double lambda = 2.0;
  const McModel m = testing::tandem(2, 1 / lambda, exponential(0.3), 5000, 500);
  const McResult r = run_cpu({&m, 1}, 30, 99, 2);
  const ConfidenceInterval sink = ci(r, 0, 3, kSinkThroughput);
  EXPECT_TRUE(sink.contains(lambda)) << sink.lower() << " .. " << sink.upper();
  const ConfidenceInterval st = ci(r, 0, 2, kStationThroughput);
  EXPECT_TRUE(st.contains(lambda)) << st.lower() << " .. " << st.upper();
  const ConfidenceInterval created = ci(r, 0, 0, 0);
  EXPECT_TRUE(created.contains(lambda * 4500)) << created.lower() << " .. " << created.upper();
  // M/M/1 sojourn at each station of the tandem (Jackson): 1 / (mu - lambda).
  const ConfidenceInterval so = ci(r, 0, 2, kStationMeanSojourn);
  EXPECT_TRUE(so.contains(1 / (1 / 0.3 - lambda))) << so.lower() << " .. " << so.upper();
  // Sink latency = sum of both sojourns; p50 <= p95 <= p99.
  for (int rep = 0; rep < r.replications; ++rep) {
    EXPECT_LE(r.at(0, rep, 3, kSinkP50Latency), r.at(0, rep, 3, kSinkP95Latency));
    EXPECT_LE(r.at(0, rep, 3, kSinkP95Latency), r.at(0, rep, 3, kSinkP99Latency));
    EXPECT_LE(r.at(0, rep, 1, kStationMeanSojourn), r.at(0, rep, 1, kStationP99Sojourn));
  }
}

// --- determinism -----------------------------------------------------------------------------

std::vector<McModel> mixed_points() {
  std::vector<McModel> pts;
  pts.push_back(testing::cascade(0.002, lognormal(0.003, 0.5), erlang(0.004, 3), 20, 2));
  pts.push_back(testing::fork_join(0.01, erlang(0.006, 2), lognormal(0.007, 1.0),
                                   testing::uniform(0.005, 0.5), 20, 2));
  pts.push_back(testing::mmc(3, 0.4, exponential(1.0), 200, 20));
  return pts;
}

TEST(McDeterminism, SameSeedSameBitsAnyThreadCount) {
  const std::vector<McModel> pts = mixed_points();
  const McResult a = run_cpu(pts, 7, 42, 1);
  const McResult b = run_cpu(pts, 7, 42, 2);
  const McResult c = run_cpu(pts, 7, 42, 2);
  EXPECT_TRUE(same_bits(a, b));
  EXPECT_TRUE(same_bits(b, c));
  const McResult d = run_cpu(pts, 7, 43, 2);
  EXPECT_FALSE(same_bits(a, d));
  EXPECT_EQ(a.row_nodes, 6);
  EXPECT_GT(a.station_visits, 0u);
}

// The AVX-512 build of the CPU kernel against the portable one: every station path (plain, in
// place, gathered and sorted, batching, replicas), ties (deterministic service), routers and
// joins, at 1 and 2 threads.
TEST(McDeterminism, Avx512BuildMatchesPortableBitForBit) {
  std::vector<McModel> pts = mixed_points();
  pts.push_back(testing::tandem(4, 1.0, exponential(0.7), 400, 40));
  pts.push_back(testing::mmc(1, 1.0, deterministic(0.8), 600, 50));
  McModel replicas = testing::mmc(4, 0.4, exponential(1.0), 300, 30);
  replicas.nodes[1].instances = 2;
  pts.push_back(replicas);
  const McResult portable = run_cpu(pts, 5, 31, 2, CpuKernel::kPortable);
  EXPECT_EQ(portable.kernel, "cpu-portable");
  if (!cpu_avx512_available()) {
    EXPECT_THROW((void)run_cpu(pts, 5, 31, 2, CpuKernel::kAvx512), std::invalid_argument);
    EXPECT_EQ(run_cpu(pts, 1, 31, 1).kernel, "cpu-portable");
#ifdef SCALESIM_MC_TEST_AVX512
    // A hardware condition, like the GPU test's exit 77: the AVX-512 build is compiled but this
    // CPU cannot execute it (CI's machines have AVX-512F, so there the comparison below runs).
    GTEST_SKIP() << "this CPU has no AVX-512F: the AVX-512 build cannot run here";
#else
    return;  // a build without the AVX-512 kernel: the refusal above is what there is to test
#endif
  }
  for (const int threads : {1, 2}) {
    const McResult avx512 = run_cpu(pts, 5, 31, threads, CpuKernel::kAvx512);
    EXPECT_EQ(avx512.kernel, "cpu-avx512");
    EXPECT_TRUE(same_bits(portable, avx512)) << threads << " threads";
  }
  EXPECT_EQ(run_cpu(pts, 1, 31, 1).kernel, "cpu-avx512");  // the default where it runs
}

TEST(McDeterminism, CommonRandomNumbersAcrossPoints) {
  // Two points differing only in the second station's servers: the first station sees the same
  // arrivals and services in replication r of both.
  McModel p1 = testing::tandem(2, 1.0, exponential(0.8), 500, 50);
  McModel p2 = p1;
  p2.nodes[2].servers = 2;
  const std::vector<McModel> pts = {p1, p2};
  const McResult r = run_cpu(pts, 10, 5, 2);
  for (int rep = 0; rep < 10; ++rep) {
    for (int k = 0; k < kNodeMetrics; ++k) {
      EXPECT_EQ(r.at(0, rep, 1, k), r.at(1, rep, 1, k)) << "rep " << rep << " slot " << k;
      EXPECT_EQ(r.at(0, rep, 0, k), r.at(1, rep, 0, k));
    }
    EXPECT_NE(r.at(0, rep, 2, kStationMeanWait), r.at(1, rep, 2, kStationMeanWait));
  }
}

// --- batching --------------------------------------------------------------------------------

McModel batch_model(double timeout, double service, std::vector<double> factors) {
  Builder b;
  const int s = b.source(deterministic(0.001));
  const int q = b.station(deterministic(service), 1, 4, timeout, std::move(factors));
  const int k = b.sink();
  b.edge(s, q);
  b.edge(q, k);
  // Customers at 1, 2, ..., 10000 ms: 2500 full batches.
  return b.build(10.0005, 0);
}

TEST(McBatching, FullBatchesWithTimeoutAndFactorTable) {
  // Batch i..i+3 leaves at a_{i+3}: waits of 3, 2, 1, 0 ms; service 0.2 ms * factor 2.5.
  const McModel m = batch_model(0.010, 0.0002, {1.0, 1.5, 2.0, 2.5});
  const McResult r = run_cpu({&m, 1}, 3, 1, 2);
  for (int rep = 0; rep < 3; ++rep) {
    EXPECT_NEAR(r.at(0, rep, 1, kStationMeanBatch), 4.0, 1e-12);
    EXPECT_NEAR(r.at(0, rep, 1, kStationMeanWait), 0.0015, 1e-9);
    EXPECT_NEAR(r.at(0, rep, 1, kStationMeanSojourn), 0.0015 + 0.0005, 1e-9);
    EXPECT_NEAR(r.at(0, rep, 1, kStationP99Sojourn), 0.0035, 1e-9);
    EXPECT_EQ(r.at(0, rep, 1, kStationVisits), 10000.0);
    EXPECT_NEAR(r.at(0, rep, 1, kStationUtilisation), 2500 * 0.0005 / 10.0005, 1e-9);
  }
}

TEST(McBatching, ZeroTimeoutFreeServerServesOneAtATime) {
  const McModel m = batch_model(0.0, 0.0002, {1.0, 1.5, 2.0, 2.5});
  const McResult r = run_cpu({&m, 1}, 2, 1, 1);
  EXPECT_NEAR(r.at(0, 0, 1, kStationMeanBatch), 1.0, 1e-12);
  EXPECT_NEAR(r.at(0, 0, 1, kStationMeanWait), 0.0, 1e-12);
  EXPECT_NEAR(r.at(0, 0, 1, kStationMeanSojourn), 0.0002, 1e-12);
}

TEST(McBatching, BusyServerCollectsWaitingCustomers) {
  // Service 2.5 ms per batch of any size, arrivals every 1 ms, no timeout: after the first
  // batch the server is busy while 2-3 customers arrive, so batches are larger than one.
  const McModel m = batch_model(0.0, 0.0025, {});
  const McResult r = run_cpu({&m, 1}, 1, 1, 1);
  EXPECT_GT(r.at(0, 0, 1, kStationMeanBatch), 2.0);
  EXPECT_LE(r.at(0, 0, 1, kStationMeanBatch), 3.0);
  EXPECT_LT(r.at(0, 0, 1, kStationUtilisation), 1.0);
}

// --- routing and fork-join ------------------------------------------------------------------

TEST(McRouting, SharesWithinBinomialInterval) {
  Builder b;
  const int s = b.source(exponential(0.01));
  const int r = b.router();
  const int k1 = b.sink();
  const int k2 = b.sink();
  const int k3 = b.sink();
  b.edge(s, r);
  b.edge(r, k1, 0.3);
  b.edge(r, k2, 0.5);
  b.edge(r, k3, 0.2);
  const McModel m = b.build(100, 10);
  const McResult res = run_cpu({&m, 1}, 5, 2024, 2);
  const double ps[3] = {0.3, 0.5, 0.2};
  for (int rep = 0; rep < 5; ++rep) {
    const double n = res.at(0, rep, 0, 0);
    ASSERT_GT(n, 8000);
    double total = 0;
    for (int e = 0; e < 3; ++e) {
      const double share = res.at(0, rep, 1, e);
      const double half = 3.2905 * std::sqrt(ps[e] * (1 - ps[e]) / n);
      EXPECT_NEAR(share, ps[e], half) << "edge " << e << " rep " << rep;
      EXPECT_EQ(res.at(0, rep, 2 + e, kSinkCount), std::round(share * n));
      total += share;
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
}

TEST(McForkJoin, JoinWaitsForSlowestBranch) {
  const McModel m =
      testing::fork_join(1.0, exponential(0.2), exponential(0.3), exponential(0.4), 2000, 100);
  const McResult r = run_cpu({&m, 1}, 10, 8, 2);
  for (int rep = 0; rep < 10; ++rep) {
    double slowest = 0;
    for (int q = 2; q <= 4; ++q) slowest = std::max(slowest, r.at(0, rep, q, kStationMeanSojourn));
    EXPECT_GT(r.at(0, rep, 5, kSinkMeanLatency), slowest);
    // Each customer reaches the join once, after all three branches.
    EXPECT_EQ(r.at(0, rep, 5, kSinkCount), r.at(0, rep, 0, 0));
  }
}

TEST(McForkJoin, DeterministicBranchesGiveExactlyTheMax) {
  // Branch delays: q1 0.1, q2 0.001 + 0.2, q3 0.3 + 0.0005; never a queue with 50 servers.
  const McModel m = testing::fork_join(1.0, deterministic(0.1), deterministic(0.2),
                                       deterministic(0.3), 1000, 10, 50);
  const McResult r = run_cpu({&m, 1}, 3, 3, 2);
  for (int rep = 0; rep < 3; ++rep) {
    EXPECT_NEAR(r.at(0, rep, 5, kSinkMeanLatency), 0.3005, 1e-9);
    EXPECT_NEAR(r.at(0, rep, 5, kSinkP50Latency), 0.3005, 1e-9);
    EXPECT_NEAR(r.at(0, rep, 5, kSinkP99Latency), 0.3005, 1e-9);
    EXPECT_EQ(r.at(0, rep, 2, kStationMeanWait), 0.0);
  }
}

TEST(McForkJoin, MergeAfterRouterCountsEachCustomerOnce) {
  const McModel m = testing::cascade(0.002, lognormal(0.003, 0.5), erlang(0.004, 3), 50, 5);
  const McResult r = run_cpu({&m, 1}, 4, 11, 2);
  for (int rep = 0; rep < 4; ++rep) {
    EXPECT_EQ(r.at(0, rep, 4, kSinkCount), r.at(0, rep, 0, 0));
    EXPECT_NEAR(r.at(0, rep, 2, 0), 0.8, 0.02);
    EXPECT_GT(r.at(0, rep, 1, kStationMeanBatch), 1.0);
  }
}

// --- validation ------------------------------------------------------------------------------

void expect_invalid(const McModel& m, const std::vector<std::string>& parts) {
  try {
    validate(m);
    ADD_FAILURE() << "no McModelError";
  } catch (const McModelError& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) {
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << msg << "' lacks '" << p << "'";
    }
  }
}

TEST(McValidate, RejectsBadModelsNamingNodeAndProblem) {
  const McModel good = testing::cascade(0.002, lognormal(0.003, 0.5), erlang(0.004, 3), 20, 2);
  EXPECT_NO_THROW(validate(good));

  McModel m = good;
  m.nodes[3].servers = 0;
  expect_invalid(m, {"node 3", "servers"});

  m = good;
  m.edges[m.nodes[3].first_edge].to = 1;
  expect_invalid(m, {"node 3", "topological"});

  m = good;
  m.edges[m.nodes[2].first_edge].probability = 0.7;
  expect_invalid(m, {"node 2", "sum"});

  m = good;
  m.nodes[1].max_batch = kMaxBatch + 1;
  expect_invalid(m, {"node 1", "max_batch"});

  m = good;
  m.nodes[1].batch_table = kMaxBatchTable - 2;
  expect_invalid(m, {"node 1", "batch table"});

  m = good;
  m.nodes[0].dist.mean = 0;
  expect_invalid(m, {"node 0", "mean"});

  m = good;
  m.nodes[4].edge_count = 1;
  m.nodes[4].first_edge = 0;
  expect_invalid(m, {"node 4", "sink"});

  m = good;
  m.edges[m.nodes[3].first_edge].to = 9;
  expect_invalid(m, {"node 3", "out of range"});

  m = good;
  m.end_s = m.warmup_s;
  expect_invalid(m, {"warmup_s"});

  m = good;
  m.nodes[0].kind = NodeKind::kStation;
  m.nodes[0].dist = exponential(1);
  expect_invalid(m, {"no source"});

  // run_cpu validates every point and names it.
  const std::vector<McModel> pts = {good, m};
  try {
    (void)run_cpu(pts, 2, 1, 1);
    ADD_FAILURE() << "no McModelError";
  } catch (const McModelError& e) {
    EXPECT_NE(std::string(e.what()).find("point 1"), std::string::npos) << e.what();
  }
}

// --- CUDA builds: nvcc's host compilation of the kernel equals g++'s ------------------------

#ifdef SCALESIM_MC_TEST_CUDA
TEST(McCuda, NvccHostMatchesCpuBitForBit) {
  ASSERT_TRUE(built_with_cuda());
  const std::vector<McModel> pts = mixed_points();
  const McResult cpu = run_cpu(pts, 6, 2718, 2);
  const McResult host = run_nvcc_host(pts, 6, 2718);
  EXPECT_TRUE(same_bits(cpu, host));
}
#else
// Builds without CUDA: the CUDA entry points exist and refuse clearly.
TEST(McCuda, WithoutCudaTheCudaPathsRefuse) {
  EXPECT_FALSE(built_with_cuda());
  EXPECT_FALSE(cuda_available());
  EXPECT_THROW((void)run_nvcc_host({}, 1, 1), std::runtime_error);
  EXPECT_THROW((void)run_cuda({}, 1, 1), std::runtime_error);
}
#endif

}  // namespace
}  // namespace scalesim::mc
