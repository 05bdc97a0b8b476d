// Replays every point of calibration/redis_local.json through the model of the measured set-up
// (the benchmark client's core, loopback, redis-server's event loop; hardware/redis/redis_bench.h)
// with the figures of node "local-2core" in configs/hardware/redis.yaml, and compares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scalesim::hardware {

struct CalibrationRow {
  std::string scenario;  // e.g. "closed GET_100B c=50 P=1", "open SET_100B 70%"
  std::string metric;    // "throughput", "p50 latency", "p99 latency", ...
  double measured = 0;
  double modelled = 0;
  double rel_error = 0;  // (modelled - measured) / measured
  double tolerance = 0;  // 0: reported, not a target
  bool within = true;    // |rel_error| <= tolerance, or a report-only row
  std::string unit;      // "ops/s", "us", "%"
};

inline constexpr double kRedisThroughputTolerance = 0.10;
inline constexpr double kRedisMedianTolerance = 0.20;

// Rows for every measured point. Deterministic for a given seed. About 2.5 s in a Release build
// on one core of the machine the measurements come from (see redis_calibration.cpp for the
// request counts).
std::vector<CalibrationRow> redis_calibration_rows(const std::string& measurements_json_path,
                                                   const std::string& redis_catalog_yaml_path,
                                                   std::uint64_t seed);

// The same points, simulated with fewer requests (for quick checks).
std::vector<CalibrationRow> redis_calibration_rows(const std::string& measurements_json_path,
                                                   const std::string& redis_catalog_yaml_path,
                                                   std::uint64_t seed, double effort);

}  // namespace scalesim::hardware
