// Simulated time. Integer nanoseconds make results exact and identical across machines and
// partitionings; durations computed in floating point are rounded once, where they are scheduled.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace scalesim {

using SimTime = std::int64_t;  // nanoseconds since the start of the simulation

inline constexpr SimTime kNanosecond = 1;
inline constexpr SimTime kMicrosecond = 1'000;
inline constexpr SimTime kMillisecond = 1'000'000;
inline constexpr SimTime kSecond = 1'000'000'000;
inline constexpr SimTime kTimeInfinity = std::numeric_limits<SimTime>::max();

// Rounds a duration in seconds to the nearest nanosecond. The single place where floating-point
// durations become simulated time, so every model rounds the same way.
// REQUIRES: 0 <= seconds, and seconds * 1e9 fits in SimTime.
inline SimTime from_seconds(double seconds) {
  return static_cast<SimTime>(std::llround(seconds * 1e9));
}
inline SimTime from_nanoseconds(double ns) {
  return static_cast<SimTime>(std::llround(ns));
}

inline constexpr double to_seconds(SimTime t) {
  return static_cast<double>(t) * 1e-9;
}

}  // namespace scalesim
