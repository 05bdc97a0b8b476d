#include "scalesim/config/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace scalesim {
namespace {

struct UnitScale {
  std::string_view unit;
  double scale;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "2.5 GB/s" into 2.5 and "GB/s". Throws when there is no leading number.
std::pair<double, std::string_view> split_number(std::string_view text, std::string_view what) {
  const std::string_view s = trim(text);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || !std::isfinite(value)) {
    throw UnitError("expected a " + std::string(what) + " such as " +
                    (what == "duration" ? "\"5ms\""
                     : what == "rate"   ? "\"200/s\""
                                        : "\"16GiB\"") +
                    ", got \"" + std::string(text) + "\"");
  }
  return {value, trim(std::string_view(end, static_cast<std::size_t>(s.data() + s.size() - end)))};
}

template <std::size_t N>
double scaled(std::string_view text, std::string_view what, const UnitScale (&units)[N],
              bool allow_bare_zero) {
  const auto [value, unit] = split_number(text, what);
  if (value < 0) {
    throw UnitError("a " + std::string(what) + " may not be negative: \"" + std::string(text) +
                    "\"");
  }
  if (unit.empty() && allow_bare_zero && value == 0.0) return 0.0;
  std::string accepted;
  for (const auto& u : units) {
    if (u.unit == unit) {
      const double result = value * u.scale;  // "1e300TB" overflows to infinity
      if (!std::isfinite(result)) {
        throw UnitError("the " + std::string(what) + " \"" + std::string(text) + "\" is too large");
      }
      return result;
    }
    accepted += (accepted.empty() ? "" : ", ") + std::string(u.unit);
  }
  if (unit.empty()) {
    throw UnitError("the " + std::string(what) + " \"" + std::string(text) +
                    "\" has no unit; write it with one of: " + accepted);
  }
  throw UnitError("unknown " + std::string(what) + " unit \"" + std::string(unit) + "\" in \"" +
                  std::string(text) + "\"; use one of: " + accepted);
}

constexpr UnitScale kDurations[] = {{"ns", 1e-9}, {"us", 1e-6},  {"µs", 1e-6}, {"ms", 1e-3},
                                    {"s", 1.0},   {"min", 60.0}, {"h", 3600.0}};
constexpr UnitScale kRates[] = {{"/ns", 1e9}, {"/us", 1e6},         {"/ms", 1e3},
                                {"/s", 1.0},  {"/min", 1.0 / 60.0}, {"/h", 1.0 / 3600.0}};
constexpr UnitScale kBytes[] = {{"B", 1.0},
                                {"kB", 1e3},
                                {"KB", 1e3},
                                {"MB", 1e6},
                                {"GB", 1e9},
                                {"TB", 1e12},
                                {"KiB", 1024.0},
                                {"MiB", 1048576.0},
                                {"GiB", 1073741824.0},
                                {"TiB", 1099511627776.0}};
constexpr UnitScale kBandwidths[] = {
    {"B/s", 1.0},      {"kB/s", 1e3},        {"KB/s", 1e3},
    {"MB/s", 1e6},     {"GB/s", 1e9},        {"TB/s", 1e12},
    {"KiB/s", 1024.0}, {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0},
    {"bps", 1.0 / 8},  {"kbps", 1e3 / 8},    {"Mbps", 1e6 / 8},
    {"Gbps", 1e9 / 8}, {"Tbps", 1e12 / 8}};

}  // namespace

SimTime parse_duration(std::string_view text) {
  const double seconds = scaled(text, "duration", kDurations, /*allow_bare_zero=*/true);
  if (seconds * 1e9 >= 9.2e18) {
    throw UnitError("the duration \"" + std::string(text) + "\" is longer than ~292 years");
  }
  return from_seconds(seconds);
}

double parse_rate(std::string_view text) {
  return scaled(text, "rate", kRates, false);
}
double parse_bytes(std::string_view text) {
  return scaled(text, "size", kBytes, false);
}
double parse_bandwidth(std::string_view text) {
  return scaled(text, "bandwidth", kBandwidths, false);
}

std::string format_duration(double seconds) {
  char buf[64];
  const double a = std::fabs(seconds);
  if (a < 1e-6) {
    std::snprintf(buf, sizeof buf, "%.0f ns", seconds * 1e9);
  } else if (a < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3g us", seconds * 1e6);
  } else if (a < 1.0) {
    std::snprintf(buf, sizeof buf, "%.3g ms", seconds * 1e3);
  } else if (a < 1e4) {
    std::snprintf(buf, sizeof buf, "%.4g s", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  }
  return buf;
}

}  // namespace scalesim
