#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "scalesim/random.h"
#include "scalesim/stats/confidence.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/time_weighted.h"
#include "scalesim/stats/welford.h"

namespace scalesim {
namespace {

TEST(Welford, MatchesTwoPassAndMergesLikeOneStream) {
  std::mt19937_64 gen(1);
  std::normal_distribution<double> d(1e6, 3.0);  // large offset: where naive sums lose digits
  std::vector<double> xs(100000);
  for (auto& x : xs) x = d(gen);
  Welford all, left, right;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    all.add(xs[i]);
    (i < 30000 ? left : right).add(xs[i]);
  }
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double var = ss / static_cast<double>(xs.size() - 1);
  EXPECT_NEAR(all.mean(), mean, 1e-9 * mean);
  EXPECT_NEAR(all.variance(), var, 1e-9 * var);
  left.merge(right);
  EXPECT_EQ(left.count(), all.count());
  EXPECT_NEAR(left.mean(), mean, 1e-9 * mean);
  EXPECT_NEAR(left.variance(), var, 1e-9 * var);
  Welford empty;
  empty.merge(all);
  EXPECT_EQ(empty.mean(), all.mean());
}

TEST(TimeWeighted, AveragesPiecewiseConstantValueAfterStart) {
  TimeWeighted tw(/*start=*/10);
  tw.set(0, 5.0);   // before start: does not count
  tw.set(10, 2.0);  // 2 on [10, 20)
  tw.set(20, 4.0);  // 4 on [20, 40)
  EXPECT_DOUBLE_EQ(tw.mean(40), (2.0 * 10 + 4.0 * 20) / 30);
  EXPECT_DOUBLE_EQ(tw.mean(50), (2.0 * 10 + 4.0 * 30) / 40);
  EXPECT_DOUBLE_EQ(tw.peak(), 4.0);
  tw.add(40, -4.0);
  EXPECT_DOUBLE_EQ(tw.mean(60), (2.0 * 10 + 4.0 * 20) / 50);
}

TEST(LatencyHistogram, BucketsTileTheValuesWithBoundedWidth) {
  std::mt19937_64 gen(7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t v = gen() >> (gen() % 64);
    const std::size_t b = LatencyHistogram::bucket_of(v);
    const std::uint64_t lo = LatencyHistogram::bucket_lower(b);
    const std::uint64_t w = LatencyHistogram::bucket_width(b);
    ASSERT_LE(lo, v);
    ASSERT_LT(v - lo, w);
    // Width at most 1/64 of the lower edge (exact below 128): midpoint error <= 1/128.
    if (lo >= 128) {
      ASSERT_LE(w * 64, lo);
    } else {
      ASSERT_EQ(w, 1u);
    }
    const double err = std::fabs(LatencyHistogram::bucket_midpoint(b) - static_cast<double>(v));
    ASSERT_LE(err, std::max(1.0, static_cast<double>(v)) / 128.0 + 0.5);
  }
  // Consecutive buckets are contiguous.
  for (std::size_t b = 0; b + 1 < 3000; ++b) {
    ASSERT_EQ(LatencyHistogram::bucket_lower(b) + LatencyHistogram::bucket_width(b),
              LatencyHistogram::bucket_lower(b + 1));
  }
}

TEST(LatencyHistogram, QuantilesWithinOnePercentOfExactSampleQuantiles) {
  LpRandom r(11, 0);
  std::vector<std::uint64_t> xs;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    const auto v =
        static_cast<std::uint64_t>(r.lognormal(std::log(2e6), 1.2));  // ~2 ms, heavy tail
    xs.push_back(v);
    h.add(v);
  }
  std::sort(xs.begin(), xs.end());
  for (double q : {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const std::size_t rank = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(xs.size()))));
    const double exact = static_cast<double>(xs[rank - 1]);
    EXPECT_LE(std::fabs(h.quantile(q) - exact) / exact, 0.01) << "q=" << q;
  }
  EXPECT_EQ(h.count(), xs.size());
  EXPECT_EQ(h.min(), xs.front());
  EXPECT_EQ(h.max(), xs.back());
}

// Quantiles placed inside their bucket by rank: at 10^7 samples of an M/M/1 sojourn law
// (exponential, mean 2 ms in ns) every reported quantile from p1 to p99.9 lies within 0.1% of
// the exact sample quantile (a bucket's midpoint alone could be 0.78% off).
TEST(LatencyHistogram, QuantilesWithinATenthOfAPercentAtTenMillionSamples) {
  LpRandom r(13, 0);
  std::vector<std::uint64_t> xs(10'000'000);
  LatencyHistogram h;
  for (auto& v : xs) {
    v = static_cast<std::uint64_t>(r.exponential(2e6));
    h.add(v);
  }
  std::sort(xs.begin(), xs.end());
  for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(xs.size())));
    const double exact = static_cast<double>(xs[rank - 1]);
    EXPECT_LE(std::fabs(h.quantile(q) - exact) / exact, 0.001) << "q=" << q;
  }
}

TEST(LatencyHistogram, MergeIsExactAndOrderIndependent) {
  LpRandom r(12, 0);
  LatencyHistogram all, parts[3];
  for (int i = 0; i < 30000; ++i) {
    const auto v = static_cast<std::uint64_t>(r.exponential(1e5));
    all.add(v);
    parts[i % 3].add(v);
  }
  LatencyHistogram a = parts[0], b = parts[2];
  a.merge(parts[1]);
  a.merge(parts[2]);
  b.merge(parts[0]);
  b.merge(parts[1]);
  EXPECT_EQ(a, all);
  EXPECT_EQ(b, all);
}

TEST(Confidence, StudentTCriticalValuesMatchTables) {
  EXPECT_NEAR(student_t_critical(0.95, 10), 2.228, 1e-3);
  EXPECT_NEAR(student_t_critical(0.99, 10), 3.169, 1e-3);
  EXPECT_NEAR(student_t_critical(0.99, 1000000), 2.576, 1e-3);
}

// Coverage: 1000 independent 95% intervals from 20 normal samples each. The count covering the
// true mean is Binomial(1000, 0.95): 950 +- 6.9 (sd); accept [920, 980], about 4.3 sd.
TEST(Confidence, TIntervalHasNominalCoverage) {
  LpRandom r(13, 0);
  int covered = 0;
  for (int rep = 0; rep < 1000; ++rep) {
    Welford w;
    for (int i = 0; i < 20; ++i) w.add(3.0 + 2.0 * r.normal());
    covered += t_interval(w, 0.95).contains(3.0) ? 1 : 0;
  }
  EXPECT_GE(covered, 920);
  EXPECT_LE(covered, 980);
}

// Batch means on an AR(1) series (strongly correlated, like queue waits): naive iid intervals
// under-cover badly; batch means over 32-64 long batches must cover near the nominal 95%.
TEST(Confidence, BatchMeansCoverCorrelatedSeries) {
  LpRandom r(14, 0);
  int covered = 0, naive_covered = 0;
  const double phi = 0.95;
  for (int rep = 0; rep < 300; ++rep) {
    BatchMeans bm;
    Welford naive;
    double x = 0;
    for (int i = 0; i < 100000; ++i) {
      x = phi * x + r.normal();
      bm.add(x);
      naive.add(x);
    }
    EXPECT_GE(bm.batch_count(), 32u);
    EXPECT_LT(bm.batch_count(), 64u);
    covered += bm.interval(0.95).contains(0.0) ? 1 : 0;
    naive_covered += t_interval(naive, 0.95).contains(0.0) ? 1 : 0;
  }
  // Binomial(300, 0.95): 285 +- 3.8; accept >= 270 (4 sd). The naive interval is ~6x too narrow.
  EXPECT_GE(covered, 270);
  EXPECT_LT(naive_covered, 150);
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

// One server busy on [0.5 s, 2.5 s) and two customers waiting on [1 s, 3 s); intervals of 1 s.
TEST(TimeSeries, RowsAreIntervalAveragesAndCounts) {
  TimeSeriesRecorder ts(kSecond, /*servers=*/2);
  ts.advance(kSecond / 2, 0, 0);
  ts.count();                 // an event at 0.5 s, then 1 busy
  ts.advance(kSecond, 1, 0);  // 2 waiting from 1 s
  ts.advance(5 * kSecond / 2, 1, 2);
  ts.count();  // at 2.5 s the server frees
  ts.advance(3 * kSecond, 0, 2);
  ts.finish(7 * kSecond / 2, 0, 0);
  const auto& r = ts.rows();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_DOUBLE_EQ(r[0].t_s, 1.0);
  EXPECT_DOUBLE_EQ(r[0].utilisation, 0.5 / 2);  // 0.5 s of one busy server out of 2 servers
  EXPECT_DOUBLE_EQ(r[0].throughput_per_s, 1.0);
  EXPECT_DOUBLE_EQ(r[1].utilisation, 1.0 / 2);
  EXPECT_DOUBLE_EQ(r[1].queue_length, 2.0);
  EXPECT_DOUBLE_EQ(r[2].utilisation, 0.5 / 2);
  EXPECT_DOUBLE_EQ(r[2].throughput_per_s, 1.0);
  EXPECT_DOUBLE_EQ(r[3].t_s, 3.5);  // the last, partial interval
  EXPECT_DOUBLE_EQ(r[3].queue_length, 0.0);
}

TEST(TimeSeries, AdaptiveSeriesStaysBoundedAndKeepsTheAverage) {
  TimeSeriesRecorder ts(kSecond, 1, /*adaptive=*/true);
  // Busy exactly half of every second for 100,000 s.
  for (SimTime s = 0; s < 100000; ++s) {
    ts.advance(s * kSecond, 0, 0);
    ts.advance(s * kSecond + kSecond / 2, 0, 0);
    ts.count();
    ts.advance((s + 1) * kSecond, 1, 0);
  }
  ts.finish(100000 * kSecond, 0, 0);
  const auto& r = ts.rows();
  EXPECT_GE(r.size(), TimeSeriesRecorder::kMaxRows);
  EXPECT_LE(r.size(), 2 * TimeSeriesRecorder::kMaxRows + 1);
  EXPECT_EQ(ts.interval(),
            64 * kSecond);  // 100,000 s: 1,563 rows of 64 s (2,048 rows of 32 s were merged)
  for (const auto& row : r) {
    EXPECT_DOUBLE_EQ(row.utilisation, 0.5);
    EXPECT_DOUBLE_EQ(row.throughput_per_s, 1.0);
  }
}

}  // namespace
}  // namespace scalesim
