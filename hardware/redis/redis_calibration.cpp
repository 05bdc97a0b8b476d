#include "hardware/redis/redis_calibration.h"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "hardware/redis/redis_bench.h"
#include "hardware/redis/redis_catalog.h"
#include "scalesim/config/config_node.h"
#include "scalesim/config/units.h"

namespace scalesim::hardware {
namespace {

// Requests simulated per point at effort 1. Medians from 100000 measured requests move by
// under 1% between seeds; the open-loop baseline (1000/s) uses 30000 requests (30 s simulated)
// like the measurement's 3 x 12 s.
constexpr double kClosedWarmup = 20'000;
constexpr double kClosedMeasured = 200'000;
constexpr double kOpenMeasured = 300'000;
constexpr double kOpenBaselineMeasured = 30'000;

// "GET_100B" -> GET of 100-byte values with redis-benchmark's 16-byte keys ("key:%012d").
CommandShape parse_shape(const ConfigNode& node) {
  const std::string text = node.as_string();
  const std::size_t cut = text.find('_');
  if (cut == std::string::npos) node.fail("expected COMMAND_SIZE such as GET_100B, got " + text);
  CommandShape s;
  try {
    s.command = parse_command(std::string_view(text).substr(0, cut));
    s.value_bytes = static_cast<std::uint32_t>(parse_bytes(text.substr(cut + 1)));
  } catch (const std::exception& e) {
    node.fail(e.what());
  }
  s.key_bytes = 16;
  return s;
}

void add_row(std::vector<CalibrationRow>& rows, const std::string& scenario,
             const std::string& metric, double measured, double modelled, double tolerance,
             const std::string& unit) {
  CalibrationRow r;
  r.scenario = scenario;
  r.metric = metric;
  r.measured = measured;
  r.modelled = modelled;
  r.rel_error = measured != 0 ? (modelled - measured) / measured : 0.0;
  r.tolerance = tolerance;
  r.within = tolerance <= 0 || std::abs(r.rel_error) <= tolerance;
  r.unit = unit;
  rows.push_back(r);
}

std::string percent(double fraction) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", fraction * 100);
  return buf;
}

}  // namespace

std::vector<CalibrationRow> redis_calibration_rows(const std::string& measurements_json_path,
                                                   const std::string& redis_catalog_yaml_path,
                                                   std::uint64_t seed) {
  return redis_calibration_rows(measurements_json_path, redis_catalog_yaml_path, seed, 1.0);
}

std::vector<CalibrationRow> redis_calibration_rows(const std::string& measurements_json_path,
                                                   const std::string& redis_catalog_yaml_path,
                                                   std::uint64_t seed, double effort) {
  const std::vector<RedisNodeSpec> nodes = load_redis_catalog(redis_catalog_yaml_path);
  const BenchMachine machine = find_redis_node(nodes, "local-2core").bench_machine();
  const ConfigNode data = ConfigNode::load_file(measurements_json_path);
  std::vector<CalibrationRow> rows;
  std::uint64_t point = 0;

  const ConfigNode closed = data.at("closed_loop_redis_benchmark").at("results");
  for (std::size_t i = 0; i < closed.size(); ++i) {
    const ConfigNode m = closed[i];
    ClosedLoopSpec spec;
    spec.shape = parse_shape(m.at("command"));
    spec.clients = static_cast<std::uint32_t>(m.integer("clients"));
    spec.pipeline = static_cast<std::uint32_t>(m.integer("pipeline"));
    spec.warmup_requests = static_cast<std::uint64_t>(kClosedWarmup * effort);
    spec.measured_requests = static_cast<std::uint64_t>(kClosedMeasured * effort);
    const BenchResult r = run_closed_loop(machine, spec, seed + point++);
    const std::string name = "closed " + m.string("command") +
                             " c=" + std::to_string(spec.clients) +
                             " P=" + std::to_string(spec.pipeline);
    const ConfigNode lat = m.at("latency_ms");
    add_row(rows, name, "throughput", m.number("ops_per_s_median"), r.throughput_per_s,
            kRedisThroughputTolerance, "ops/s");
    add_row(rows, name, "p50 latency", lat.number("p50") * 1e3, r.latency.quantile(0.5) * 1e-3,
            kRedisMedianTolerance, "us");
    add_row(rows, name, "p99 latency", lat.number("p99") * 1e3, r.latency.quantile(0.99) * 1e-3, 0,
            "us");
    add_row(rows, name, "server core busy", m.number("server_core_busy") * 100, r.server_busy * 100,
            0, "%");
  }

  const ConfigNode open = data.at("open_loop").at("results");
  for (std::size_t i = 0; i < open.size(); ++i) {
    const ConfigNode m = open[i];
    const std::string kind = m.string("kind");
    OpenLoopSpec spec;
    spec.shape = parse_shape(m.at("command"));
    spec.rate_per_s = m.number("offered_rate");
    spec.connections = kind == "baseline_1conn" ? 1 : 50;
    const double requests =
        (kind == "baseline_1conn" ? kOpenBaselineMeasured : kOpenMeasured) * effort;
    spec.duration = from_seconds(requests / spec.rate_per_s);
    const BenchResult r = run_open_loop(machine, spec, seed + point++);
    std::string name = "open " + m.string("command") + " ";
    if (kind == "baseline_1conn") {
      name += "1 conn " + std::to_string(static_cast<long>(spec.rate_per_s)) + "/s";
    } else if (kind == "saturation_probe") {
      name += "saturation probe";
    } else {
      name += percent(m.number("fraction_of_probe_capacity"));
    }
    const ConfigNode lat = m.at("latency_us_median_over_reps");
    add_row(rows, name, "throughput", m.number("throughput"), r.throughput_per_s,
            kRedisThroughputTolerance, "ops/s");
    add_row(rows, name, "p50 latency", lat.number("p50"), r.latency.quantile(0.5) * 1e-3,
            kRedisMedianTolerance, "us");
    add_row(rows, name, "p99 latency", lat.number("p99"), r.latency.quantile(0.99) * 1e-3, 0, "us");
    add_row(rows, name, "p50 service latency",
            m.at("service_latency_us_median_over_reps").number("p50"),
            r.service.quantile(0.5) * 1e-3, 0, "us");
    add_row(rows, name, "p50 send lag", m.at("send_lag_us_median_over_reps").number("p50"),
            r.lag.quantile(0.5) * 1e-3, 0, "us");
    add_row(rows, name, "server core busy", m.number("server_core_busy") * 100, r.server_busy * 100,
            0, "%");
  }
  return rows;
}

}  // namespace scalesim::hardware
