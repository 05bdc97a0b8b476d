#include "scalesim/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace scalesim {
namespace {

// Random123's published known-answer vector for philox4x64-10 with zero counter and key.
TEST(LpRandom, MatchesPhiloxKnownAnswer) {
  LpRandom r(0, 0);
  EXPECT_EQ(r.next_u64(), 0x16554d9eca36314cULL);
  EXPECT_EQ(r.next_u64(), 0xdb20fe9d672d0fdcULL);
  EXPECT_EQ(r.next_u64(), 0xd7e772cee186176bULL);
  EXPECT_EQ(r.next_u64(), 0x7e68b68aec7ba23bULL);
  EXPECT_EQ(r.blocks_drawn(), 1u);
}

TEST(LpRandom, StreamsDependOnSeedAndLpOnly) {
  LpRandom a(42, 7), b(42, 7), c(42, 8), d(43, 7);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
    EXPECT_NE(x, d.next_u64());
  }
}

// n = 10^6 draws; tolerances are 5 standard errors (false-failure odds ~ 6e-7 per check).
constexpr int kDraws = 1'000'000;

TEST(LpRandom, UniformIsOpenUnitIntervalWithRightMoments) {
  LpRandom r(1, 2);
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = r.uniform();
    sum += u;
    sum2 += u * u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  EXPECT_GT(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  const double mean = sum / kDraws, var = sum2 / kDraws - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / kDraws));
  EXPECT_NEAR(var, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / kDraws));  // Var of U^2-ish bound
}

TEST(LpRandom, ExponentialMeanAndVariance) {
  LpRandom r(3, 4);
  const double mean = 2.5;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = r.exponential(mean);
    sum += x;
    sum2 += x * x;
  }
  const double m = sum / kDraws, v = sum2 / kDraws - m * m;
  EXPECT_NEAR(m, mean, 5 * mean / std::sqrt(kDraws));
  EXPECT_NEAR(
      v, mean * mean,
      5 * mean * mean * std::sqrt(8.0 / kDraws));  // Var(s^2) ~ (mu4 - sigma^4)/n = 8 m^4 / n
}

TEST(LpRandom, NormalAndLognormalMoments) {
  LpRandom r(5, 6);
  double sum = 0, sum2 = 0, lsum = 0;
  const double mu = 0.3, sigma = 0.5;
  for (int i = 0; i < kDraws; ++i) {
    const double z = r.normal();
    sum += z;
    sum2 += z * z;
    lsum += r.lognormal(mu, sigma);
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 5.0 / std::sqrt(kDraws));
  EXPECT_NEAR(sum2 / kDraws, 1.0, 5.0 * std::sqrt(2.0 / kDraws));
  const double lmean = std::exp(mu + sigma * sigma / 2);
  const double lsd = lmean * std::sqrt(std::expm1(sigma * sigma));
  EXPECT_NEAR(lsum / kDraws, lmean, 5 * lsd / std::sqrt(kDraws));
}

// Chi-square goodness of fit over 10 cells, 10^6 draws: the 99.99% point of chi2(9) is 33.7.
TEST(LpRandom, UniformIntIsUniform) {
  LpRandom r(9, 9);
  std::vector<double> cells(10, 0);
  for (int i = 0; i < kDraws; ++i) {
    const auto k = r.uniform_int(10);
    ASSERT_LT(k, 10u);
    cells[k] += 1;
  }
  double chi2 = 0;
  for (double c : cells) chi2 += (c - kDraws / 10.0) * (c - kDraws / 10.0) / (kDraws / 10.0);
  EXPECT_LT(chi2, 33.7);
  EXPECT_EQ(r.uniform_int(1), 0u);
}

}  // namespace
}  // namespace scalesim
