// Half-precision seconds carried by a request (models/queueing/half_precision.h): every half
// value survives the round trip, floats round to the nearest half (ties to even), and the
// special values keep their meaning.
#include "models/queueing/half_precision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace scalesim {
namespace {

TEST(HalfPrecision, EveryHalfValueRoundTrips) {
  for (std::uint32_t h = 0; h <= 0xffff; ++h) {
    const auto half = static_cast<std::uint16_t>(h);
    const float f = from_half(half);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(from_half(to_half(f)))) << h;
      continue;
    }
    ASSERT_EQ(to_half(f), half) << h << " " << f;
  }
}

TEST(HalfPrecision, KnownValues) {
  EXPECT_EQ(from_half(0x3c00), 1.0F);
  EXPECT_EQ(from_half(0x7bff), 65504.0F);               // the largest
  EXPECT_EQ(from_half(0x0400), std::ldexp(1.0F, -14));  // the least normal
  EXPECT_EQ(from_half(0x0001), std::ldexp(1.0F, -24));  // the least subnormal
  EXPECT_EQ(to_half(0.1F), 0x2e66);                     // 0.0999755859375
  EXPECT_EQ(to_half(65519.0F), 0x7bff);
  EXPECT_EQ(to_half(65520.0F), 0x7c00);  // rounds to infinity
  EXPECT_EQ(to_half(1e9F), 0x7c00);
  EXPECT_EQ(to_half(-2.0F), 0xc000);
  EXPECT_EQ(to_half(std::ldexp(1.0F, -25)), 0);  // a tie with zero: even
  EXPECT_EQ(to_half(std::ldexp(1.5F, -25)), 1);
  EXPECT_TRUE(std::isnan(from_half(kNoHalf)));
  EXPECT_TRUE(std::isnan(from_half(to_half(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(HalfPrecision, RoundsToTheNearestHalfWithTiesToEven) {
  // Against the two neighbouring halves of each float, over the whole positive range.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> exponent(-26.0F, 16.0F);
  for (int i = 0; i < 200000; ++i) {
    const float x = std::exp2(exponent(rng));
    const std::uint16_t h = to_half(x);
    const float got = from_half(h);
    if (std::isinf(got)) {
      EXPECT_GE(x, 65520.0F);
      continue;
    }
    const double xd = x;
    const double below = h == 0 ? 0.0 : double{from_half(static_cast<std::uint16_t>(h - 1))};
    const double above = from_half(static_cast<std::uint16_t>(h + 1));
    const double d = std::fabs(double{got} - xd);
    ASSERT_LE(d, std::fabs(below - xd)) << x;
    ASSERT_LE(d, std::fabs(above - xd)) << x;
    if (d == std::fabs(below - xd) || d == std::fabs(above - xd)) {
      ASSERT_EQ(h & 1U, 0U) << "a tie goes to the even half: " << x;
    }
    if (xd >= std::ldexp(1.0, -14)) {
      ASSERT_LE(d / xd, std::ldexp(1.0, -11)) << x;
    }
  }
}

}  // namespace
}  // namespace scalesim
