#include "scalesim/config/units.h"

#include <gtest/gtest.h>

#include <string>

namespace scalesim {
namespace {

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("5ms"), 5 * kMillisecond);
  EXPECT_EQ(parse_duration("2.5 s"), 2'500'000'000);
  EXPECT_EQ(parse_duration("100us"), 100'000);
  EXPECT_EQ(parse_duration("100µs"), 100'000);
  EXPECT_EQ(parse_duration("7ns"), 7);
  EXPECT_EQ(parse_duration("1.5min"), 90 * kSecond);
  EXPECT_EQ(parse_duration("2h"), 7200 * kSecond);
  EXPECT_EQ(parse_duration("0"), 0);
  EXPECT_EQ(parse_duration("1e-3s"), kMillisecond);
}

TEST(Units, RatesSizesBandwidths) {
  EXPECT_DOUBLE_EQ(parse_rate("200/s"), 200.0);
  EXPECT_DOUBLE_EQ(parse_rate("3/ms"), 3000.0);
  EXPECT_DOUBLE_EQ(parse_rate("120/min"), 2.0);
  EXPECT_DOUBLE_EQ(parse_bytes("16GiB"), 16.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("1.5kB"), 1500.0);
  EXPECT_DOUBLE_EQ(parse_bandwidth("2.5GB/s"), 2.5e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("10Gbps"), 1.25e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("100 Mbps"), 12.5e6);
}

std::string error_of(SimTime (*f)(std::string_view), const char* text) {
  try {
    f(text);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "";
}

TEST(Units, RejectsMissingWrongAndNegative) {
  EXPECT_NE(error_of(parse_duration, "5").find("has no unit"), std::string::npos);
  const std::string wrong = error_of(parse_duration, "5 parsecs");
  EXPECT_NE(wrong.find("unknown duration unit \"parsecs\""), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("ms"), std::string::npos);  // lists the accepted units
  EXPECT_NE(error_of(parse_duration, "-5ms").find("negative"), std::string::npos);
  EXPECT_NE(error_of(parse_duration, "fast").find("expected a duration"), std::string::npos);
  EXPECT_THROW(parse_rate("200"), UnitError);
  EXPECT_THROW(parse_rate("200/fortnight"), UnitError);
  EXPECT_THROW(parse_bytes("16"), UnitError);
  EXPECT_THROW(parse_bandwidth("10 Gb"), UnitError);
  EXPECT_THROW(parse_duration("1e300s"), UnitError);
}

}  // namespace
}  // namespace scalesim
