// Replays every point of calibration/redis_local.json through the model of the measured set-up
// (the benchmark client's core, loopback, redis-server's event loop; hardware/redis/redis_bench.h)
// with the figures of node "local-2core" in configs/hardware/redis.yaml, and compares.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hardware/redis/redis_bench.h"

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

// The measured machine refitted to calibration/redis_commands_local.json (another day, another
// host: its syscalls and memory are about twice as slow as those of redis_local.json). Fitted on
// part of the file only:
//   command costs: base, per key and per field by least squares on each kind's own
//     server_usec_per_call (INFO commandstats: time inside call(), median over the four
//     closed-loop set-ups), per byte from copy bandwidth as before;
//   one factor scaling every kernel-side, parse and benchmark-client cost of the node, chosen so
//     the six closed-loop round trips (1 client, pipeline 1) match in throughput.
// Everything else in the file (saturation at 50 clients, pipelines, every open-loop point) is
// predicted.
struct RedisCommandFit {
  BenchMachine machine;
  double kernel_scale = 1;
  std::vector<std::pair<std::string, double>> usec_per_call;  // kind -> measured median (us)
};

// Every time figure of the machine's kernel side, its parsing and its benchmark client, times k
// (command costs unchanged).
BenchMachine with_kernel_scale(const BenchMachine& m, double k);

RedisCommandFit fit_redis_commands(const std::string& measurements_json_path,
                                   const std::string& redis_catalog_yaml_path, std::uint64_t seed,
                                   double effort = 1.0);

// Every point of calibration/redis_commands_local.json (GET and SET of 100 B and 1 KiB, MGET of
// 10 keys, HGETALL of 20 fields; closed loop at 1 and 50 clients, pipeline 1 and 16; open loop
// at 10-95% of saturation) replayed with `machine`. Targets: throughput at 50 clients within 10%
// (pipeline 1: "saturation", where redis-benchmark's own core is the limit; pipeline 16: "server
// saturation", the server's core 95-99% busy), open-loop median latency at loads up to 0.8
// within 20%; the fitted round trips and the rest are reported.
std::vector<CalibrationRow> redis_command_rows(const std::string& measurements_json_path,
                                               const BenchMachine& machine, std::uint64_t seed,
                                               double effort = 1.0);

}  // namespace scalesim::hardware
