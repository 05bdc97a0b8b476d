#include "hardware/redis/redis_calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
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

// A measured closed-loop point (its clients and pipeline) as the run that replays it.
ClosedLoopSpec closed_loop_point(const ConfigNode& m, const CommandShape& shape, double effort) {
  ClosedLoopSpec spec;
  spec.shape = shape;
  spec.clients = static_cast<std::uint32_t>(m.integer("clients"));
  spec.pipeline = static_cast<std::uint32_t>(m.integer("pipeline"));
  spec.warmup_requests = static_cast<std::uint64_t>(kClosedWarmup * effort);
  spec.measured_requests = static_cast<std::uint64_t>(kClosedMeasured * effort);
  return spec;
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
    const ClosedLoopSpec spec = closed_loop_point(m, parse_shape(m.at("command")), effort);
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

namespace {

// A kind of calibration/redis_commands_local.json as the shape the harness sent: keys
// "key:%012d" / "big:%012d" (16 bytes) or "hash:%012d" (17), MGET over 100-byte values, HGETALL
// of 20 fields "field_NN" (8 bytes) of 32-byte values (the file's `dataset`).
CommandShape command_kind(const ConfigNode& node) {
  const std::string kind = node.as_string();
  CommandShape s;
  if (kind.rfind("MGET_", 0) == 0) {
    s.command = RedisCommand::kMget;
    s.keys = static_cast<std::uint32_t>(std::stoul(kind.substr(5)));
    s.value_bytes = 100;
  } else if (kind.rfind("HGETALL_", 0) == 0) {
    s.command = RedisCommand::kHgetall;
    s.fields = static_cast<std::uint32_t>(std::stoul(kind.substr(8)));
    s.key_bytes = 17;
    s.field_bytes = 8;
    s.value_bytes = 32;
  } else {
    s = parse_shape(node);
  }
  return s;
}

}  // namespace

BenchMachine with_kernel_scale(const BenchMachine& m, double k) {
  BenchMachine out = m;
  EventLoopCosts& l = out.kernel;
  for (double* x : {&l.poll_ns, &l.pass_ns, &l.read_ns, &l.write_ns, &l.copy_per_byte_ns,
                    &l.parse_ns, &l.wake_latency_ns, &l.wake_cpu_ns, &l.ipi_ns,
                    &out.client.epoll_ctl_ns, &out.client.per_reply_ns}) {
    *x *= k;
  }
  return out;
}

namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Least squares for base, per key and per field: y = base + per_key x keys + per_field x fields.
std::array<double, 3> fit_command_costs(const std::vector<std::array<double, 4>>& xy) {
  std::array<std::array<double, 4>, 3> a{};  // normal equations, augmented
  for (const auto& r : xy) {
    const std::array<double, 3> x{r[0], r[1], r[2]};
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 3; ++j) a[i][j] += x[i] * x[j];
      a[i][3] += x[i] * r[3];
    }
  }
  for (std::size_t c = 0; c < 3; ++c) {  // Gauss-Jordan with partial pivoting
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < 3; ++r) {
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    }
    std::swap(a[c], a[pivot]);
    if (std::abs(a[c][c]) < 1e-12) {
      throw std::runtime_error("Redis command fit: the kinds do not separate base, key and field");
    }
    for (std::size_t r = 0; r < 3; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (std::size_t k = c; k < 4; ++k) a[r][k] -= f * a[c][k];
    }
  }
  return {a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]};
}

// Points whose run shared the machine with other work (more than half a core of it): reported,
// never a target (calibration/redis_commands_local.md names them).
constexpr double kForeignCoresLimit = 0.5;

}  // namespace

RedisCommandFit fit_redis_commands(const std::string& measurements_json_path,
                                   const std::string& redis_catalog_yaml_path, std::uint64_t seed,
                                   double effort) {
  const std::vector<RedisNodeSpec> nodes = load_redis_catalog(redis_catalog_yaml_path);
  const BenchMachine base = find_redis_node(nodes, "local-2core").bench_machine();
  const ConfigNode data = ConfigNode::load_file(measurements_json_path);
  const ConfigNode closed = data.at("closed_loop");

  RedisCommandFit fit;
  fit.machine = base;
  std::vector<std::array<double, 4>> xy;
  std::vector<std::pair<ClosedLoopSpec, double>> round_trips;  // c=1 P=1: spec, ops/s
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < closed.size(); ++i) {
    const std::string kind = closed[i].string("kind");
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  for (const std::string& kind : kinds) {
    std::vector<double> per_call;
    CommandShape shape;
    for (std::size_t i = 0; i < closed.size(); ++i) {
      const ConfigNode m = closed[i];
      if (m.string("kind") != kind) continue;
      shape = command_kind(m.at("kind"));
      per_call.push_back(m.number("server_usec_per_call"));
      if (m.integer("clients") == 1 && m.integer("pipeline") == 1) {
        ClosedLoopSpec spec;
        spec.shape = shape;
        spec.warmup_requests = static_cast<std::uint64_t>(2'000 * effort) + 100;
        spec.measured_requests = static_cast<std::uint64_t>(20'000 * effort) + 1'000;
        round_trips.emplace_back(spec, m.number("ops_per_s_median"));
      }
    }
    const double usec = median_of(per_call);
    fit.usec_per_call.emplace_back(kind, usec);
    const double keys = shape.command == RedisCommand::kPing ? 0.0 : shape.keys;
    const double fields = shape.command == RedisCommand::kHgetall ? shape.fields : 0.0;
    xy.push_back(
        {1.0, keys, fields,
         usec * 1e3 - base.commands.per_byte_ns * static_cast<double>(shape.copied_value_bytes())});
  }
  const std::array<double, 3> c = fit_command_costs(xy);
  fit.machine.commands.base_ns = c[0];
  fit.machine.commands.per_key_ns = c[1];
  fit.machine.commands.per_field_ns = c[2];
  fit.machine.commands.write_extra_ns = 0;

  // Golden-section search on ln k over [1/2, 4] for the round trips' squared log errors.
  auto loss = [&](double log_k) {
    const BenchMachine m = with_kernel_scale(fit.machine, std::exp(log_k));
    double sum = 0;
    std::uint64_t point = 0;
    for (const auto& [spec, measured] : round_trips) {
      const double e =
          std::log(run_closed_loop(m, spec, seed + point++).throughput_per_s / measured);
      sum += e * e;
    }
    return sum;
  };
  const double phi = (std::sqrt(5.0) - 1) / 2;
  double lo = std::log(0.5);
  double hi = std::log(4.0);
  double x1 = hi - phi * (hi - lo);
  double x2 = lo + phi * (hi - lo);
  double f1 = loss(x1);
  double f2 = loss(x2);
  for (int it = 0; it < 24; ++it) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = loss(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = loss(x2);
    }
  }
  fit.kernel_scale = std::exp(0.5 * (lo + hi));
  fit.machine = with_kernel_scale(fit.machine, fit.kernel_scale);
  return fit;
}

std::vector<CalibrationRow> redis_command_rows(const std::string& measurements_json_path,
                                               const BenchMachine& machine, std::uint64_t seed,
                                               double effort) {
  const ConfigNode data = ConfigNode::load_file(measurements_json_path);
  std::vector<CalibrationRow> rows;
  std::uint64_t point = 0;
  const ConfigNode closed = data.at("closed_loop");
  for (std::size_t i = 0; i < closed.size(); ++i) {
    const ConfigNode m = closed[i];
    const ClosedLoopSpec spec = closed_loop_point(m, command_kind(m.at("kind")), effort);
    const BenchResult r = run_closed_loop(machine, spec, seed + point++);
    const bool fitted = spec.clients == 1 && spec.pipeline == 1;
    const bool saturation = spec.clients == 50;
    const bool quiet = m.number("foreign_cpu_cores_max") <= kForeignCoresLimit;
    const std::string name = "closed " + m.string("kind") + " c=" + std::to_string(spec.clients) +
                             " P=" + std::to_string(spec.pipeline) +
                             (fitted  ? " (fitted)"
                              : quiet ? ""
                                      : " (busy machine)");
    add_row(rows, name,
            !saturation          ? "throughput"
            : spec.pipeline == 1 ? "saturation throughput"
                                 : "server saturation throughput",
            m.number("ops_per_s_median"), r.throughput_per_s,
            saturation && quiet ? kRedisThroughputTolerance : 0.0, "ops/s");
    add_row(rows, name, "p50 latency", m.at("latency_ms_median").number("p50") * 1e3,
            r.latency.quantile(0.5) * 1e-3, 0, "us");
    add_row(rows, name, "server CPU per op", m.number("server_cpu_us_per_op"),
            r.server_cpu_per_op_ns * 1e-3, 0, "us");
  }
  const ConfigNode open = data.at("open_loop");
  for (std::size_t i = 0; i < open.size(); ++i) {
    const ConfigNode m = open[i];
    OpenLoopSpec spec;
    spec.shape = command_kind(m.at("kind"));
    spec.rate_per_s = m.number("offered_rate");
    spec.connections = 50;
    spec.duration = from_seconds(kOpenMeasured * effort / spec.rate_per_s);
    const BenchResult r = run_open_loop(machine, spec, seed + point++);
    const double load = m.number("fraction_of_saturation");
    const bool quiet = m.number("foreign_cpu_cores_max") <= kForeignCoresLimit;
    const std::string name =
        "open " + m.string("kind") + " " + percent(load) + (quiet ? "" : " (busy machine)");
    add_row(rows, name, "throughput", m.number("throughput_median"), r.throughput_per_s, 0,
            "ops/s");
    add_row(rows, name, "p50 latency", m.at("latency_us_median").number("p50"),
            r.latency.quantile(0.5) * 1e-3, load <= 0.8 && quiet ? kRedisMedianTolerance : 0.0,
            "us");
    add_row(rows, name, "p99 latency", m.at("latency_us_median").number("p99"),
            r.latency.quantile(0.99) * 1e-3, 0, "us");
  }
  return rows;
}

}  // namespace scalesim::hardware
