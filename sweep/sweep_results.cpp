// Sweep summaries: per-point means and Student-t intervals, feasibility, the optimum, and the
// JSON form of a finished sweep.
#include "sweep/sweep_results.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "scalesim/json_writer.h"
#include "scalesim/stats/confidence.h"

namespace scalesim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t metric_index(const SweepTable& t, const std::string& name) {
  const auto it = std::find(t.metric_names.begin(), t.metric_names.end(), name);
  return it == t.metric_names.end() ? t.metric_names.size()
                                    : static_cast<std::size_t>(it - t.metric_names.begin());
}

// Fails at `where` (or at the spec file) when `metric` is not one the sweep collected.
void require_metric(const SweepTable& t, const std::string& metric, const std::string& role,
                    const SweepSpec& spec, const ConfigNode* where) {
  if (metric_index(t, metric) < t.metric_names.size()) return;
  std::string msg = role + " metric '" + metric + "' is not among the sweep's metrics";
  if (auto near = closest_match(metric, t.metric_names)) msg += "; did you mean '" + *near + "'?";
  if (where != nullptr) where->fail(msg);
  throw ConfigError(spec.path + ": " + msg);
}

// The bound of the interval on the safe side of a constraint: the upper bound for "< x", the
// lower for "> x". With fewer than two runs there is no interval and the mean stands alone.
double safe_bound(const SloSpec& c, double mean, double hw) {
  if (!std::isfinite(hw)) return mean;
  const bool upper = c.op == SloSpec::Op::kLess || c.op == SloSpec::Op::kLessEqual;
  return upper ? mean + hw : mean - hw;
}

// How far a point misses a constraint, relative to the target (0 when met).
double violation(const SloSpec& c, double bound) {
  if (std::isnan(bound)) return std::numeric_limits<double>::infinity();
  if (c.met_by(bound)) return 0;
  const double scale = std::max(std::abs(c.target), 1e-300);
  return std::abs(bound - c.target) / scale;
}

std::string fmt(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string interval_text(const SweepTable& t, std::size_t point, std::size_t m) {
  const double mean = t.mean[point * t.metric_names.size() + m];
  const double hw = t.half_width[point * t.metric_names.size() + m];
  std::string s = t.metric_names[m] + " = " + fmt(mean);
  if (std::isfinite(hw)) s += " ± " + fmt(hw);
  return s;
}

std::string constraint_text(const SweepTable& t, const SweepSpec& spec, std::size_t point) {
  std::string out;
  for (const SloSpec& c : spec.constraints) {
    const std::size_t m = metric_index(t, c.metric);
    if (m >= t.metric_names.size()) continue;
    const double mean = t.mean[point * t.metric_names.size() + m];
    const double hw = t.half_width[point * t.metric_names.size() + m];
    const bool met = c.met_by(safe_bound(c, mean, hw));
    out +=
        "; " + interval_text(t, point, m) + " " + (met ? "meets" : "misses") + " " + c.target_text;
  }
  return out;
}

// A parameter value as a JSON number where it is one, else as a string.
void json_value(JsonWriter& j, std::string_view key, const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(v)) {
    j.value(key, v);
  } else {
    j.value(key, std::string_view(text));
  }
}

}  // namespace

double SweepTable::value(std::size_t point, int rep, std::size_t metric) const {
  const std::size_t m = metric_names.size();
  const std::size_t i =
      (point * static_cast<std::size_t>(replications) + static_cast<std::size_t>(rep)) * m + metric;
  return i < values.size() ? values[i] : kNaN;
}

void summarise(SweepTable& table, const SweepSpec& spec) {
  const std::size_t points = table.point_count();
  const std::size_t metrics = table.metric_names.size();
  const auto reps = static_cast<std::size_t>(std::max(table.replications, 0));
  if (table.values.size() != points * reps * metrics) {
    throw std::invalid_argument("sweep table: " + std::to_string(table.values.size()) +
                                " values for " + std::to_string(points) + " points x " +
                                std::to_string(reps) + " replications x " +
                                std::to_string(metrics) + " metrics");
  }
  for (std::size_t i = 0; i < spec.constraints.size(); ++i) {
    require_metric(table, spec.constraints[i].metric, "constraint", spec,
                   i < spec.constraint_nodes.size() ? &spec.constraint_nodes[i] : nullptr);
  }
  if (spec.objective) {
    require_metric(table, spec.objective->metric, "objective", spec,
                   spec.objective_node ? &*spec.objective_node : nullptr);
  }

  table.mean.assign(points * metrics, kNaN);
  table.half_width.assign(points * metrics, kNaN);
  table.feasible.assign(points, 0);
  table.optimum = -1;
  std::vector<double> runs;
  runs.reserve(reps);
  for (std::size_t p = 0; p < points; ++p) {
    for (std::size_t m = 0; m < metrics; ++m) {
      runs.clear();
      for (std::size_t r = 0; r < reps; ++r) {
        const double v = table.values[(p * reps + r) * metrics + m];
        if (!std::isnan(v)) runs.push_back(v);
      }
      if (runs.empty()) continue;
      const ConfidenceInterval ci = t_interval(std::span<const double>(runs), table.level);
      table.mean[p * metrics + m] = ci.mean;
      table.half_width[p * metrics + m] =
          runs.size() < 2 ? std::numeric_limits<double>::infinity() : ci.half_width;
    }
    bool ok = true;
    for (const SloSpec& c : spec.constraints) {
      const std::size_t m = metric_index(table, c.metric);
      const double bound =
          safe_bound(c, table.mean[p * metrics + m], table.half_width[p * metrics + m]);
      ok = ok && !std::isnan(bound) && c.met_by(bound);
    }
    table.feasible[p] = ok ? 1 : 0;
  }
  if (!spec.objective) return;
  const std::size_t om = metric_index(table, spec.objective->metric);
  double best = 0;
  for (std::size_t p = 0; p < points; ++p) {
    const double v = table.mean[p * metrics + om];
    if (!table.feasible[p] || std::isnan(v)) continue;
    const bool better = table.optimum < 0 || (spec.objective->minimize ? v < best : v > best);
    if (better) {
      table.optimum = static_cast<int>(p);
      best = v;
    }
  }
}

std::string optimum_text(const SweepTable& table, const SweepSpec& spec) {
  const std::size_t points = table.point_count();
  const std::size_t metrics = table.metric_names.size();
  if (points == 0) return "no points";
  if (table.mean.size() != points * metrics) return "not summarised";
  std::size_t feasible = 0;
  for (auto f : table.feasible) feasible += f;
  const std::string level = fmt(table.level * 100) + "% CI";
  const std::string note =
      table.replications < 2 ? " (one replication: means without confidence intervals)" : "";
  if (!spec.objective) {
    if (spec.constraints.empty()) return "no objective and no constraints" + note;
    return "no objective: " + std::to_string(feasible) + " of " + std::to_string(points) +
           " points meet every constraint (" + level + " bound)" + note;
  }
  if (table.optimum >= 0) {
    const auto p = static_cast<std::size_t>(table.optimum);
    const std::size_t om = metric_index(table, spec.objective->metric);
    return "optimum: point " + std::to_string(p) + " of " + std::to_string(points) + " (" +
           spec.point_label(p) + "): " + interval_text(table, p, om) + " (" + level + ")" +
           constraint_text(table, spec, p) + note;
  }
  if (feasible > 0) {  // feasible points, but the objective is missing on all of them
    return "no feasible point has a value of " + spec.objective->metric + note;
  }
  // The point that misses the constraints by the least (sum of relative misses).
  std::size_t closest = 0;
  double least = std::numeric_limits<double>::infinity();
  for (std::size_t p = 0; p < points; ++p) {
    double total = 0;
    for (const SloSpec& c : spec.constraints) {
      const std::size_t m = metric_index(table, c.metric);
      if (m >= metrics) continue;
      total += violation(
          c, safe_bound(c, table.mean[p * metrics + m], table.half_width[p * metrics + m]));
    }
    if (total < least) {
      least = total;
      closest = p;
    }
  }
  return "no point meets every constraint (" + level + " bound); the closest is point " +
         std::to_string(closest) + " (" + spec.point_label(closest) + ")" +
         constraint_text(table, spec, closest) + note;
}

std::string sweep_json(const SweepTable& table, const SweepSpec& spec) {
  const std::size_t points = table.point_count();
  const std::size_t metrics = table.metric_names.size();
  const auto reps = static_cast<std::size_t>(std::max(table.replications, 0));
  const bool summarised = table.mean.size() == points * metrics;
  char fp[32];
  std::snprintf(fp, sizeof fp, "0x%016" PRIx64, table.fingerprint);
  JsonWriter j;
  j.begin_object();
  j.value("name", std::string_view(spec.name));
  j.value("description", std::string_view(spec.description));
  j.value("base", std::string_view(spec.base_path));
  j.value("design", std::string_view(spec.design));
  j.value("backend", std::string_view(table.backend));
  j.value("fingerprint", std::string_view(fp));
  j.value("points", static_cast<std::uint64_t>(points));
  j.value("replications", table.replications);
  j.value("seed", table.seed);
  j.value("level", table.level);
  j.begin_array("parameters");
  for (const auto& p : table.parameter_paths) j.value("", std::string_view(p));
  j.end_array();
  j.begin_array("metric_names");
  for (const auto& m : table.metric_names) j.value("", std::string_view(m));
  j.end_array();
  j.begin_array("constraints");
  for (const SloSpec& c : spec.constraints) {
    j.begin_object();
    j.value("name", std::string_view(c.name));
    j.value("metric", std::string_view(c.metric));
    j.value("target", std::string_view(c.target_text));
    j.end_object();
  }
  j.end_array();
  if (spec.objective) {
    j.begin_object("objective");
    j.value(spec.objective->minimize ? "minimize" : "maximize",
            std::string_view(spec.objective->metric));
    j.end_object();
  } else {
    j.value("objective", kNaN);  // null
  }

  auto write_point_body = [&](std::size_t p) {
    j.begin_object("values");
    for (std::size_t k = 0; k < table.parameter_paths.size() && k < table.points[p].size(); ++k)
      json_value(j, table.parameter_paths[k], table.points[p][k]);
    j.end_object();
    j.begin_object("mean");
    for (std::size_t m = 0; m < metrics; ++m)
      j.value(table.metric_names[m], summarised ? table.mean[p * metrics + m] : kNaN);
    j.end_object();
    j.begin_object("half_width");
    for (std::size_t m = 0; m < metrics; ++m)
      j.value(table.metric_names[m], summarised ? table.half_width[p * metrics + m] : kNaN);
    j.end_object();
    j.value("feasible", p < table.feasible.size() && table.feasible[p] != 0);
  };

  j.begin_array("results");
  for (std::size_t p = 0; p < points; ++p) {
    j.begin_object();
    j.value("point", static_cast<std::uint64_t>(p));
    write_point_body(p);
    j.begin_array("runs");  // [replication][metric]; null where a run is missing
    for (std::size_t r = 0; r < reps; ++r) {
      j.begin_array();
      for (std::size_t m = 0; m < metrics; ++m) j.value("", table.value(p, static_cast<int>(r), m));
      j.end_array();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();

  if (table.optimum >= 0 && static_cast<std::size_t>(table.optimum) < points) {
    j.begin_object("optimum");
    const auto p = static_cast<std::size_t>(table.optimum);
    j.value("point", static_cast<std::uint64_t>(p));
    write_point_body(p);
    j.end_object();
  } else {
    j.value("optimum", kNaN);  // null
  }
  j.value("optimum_text", std::string_view(optimum_text(table, spec)));
  j.value("wall_seconds", table.wall_seconds);
  j.value("runs_done_here", table.runs_done_here);
  j.value("ranks", table.ranks);
  j.value("threads", table.threads);
  if (table.backend == "mc") {
    j.value("station_visits", table.station_visits);
    j.value("station_visits_per_s",
            table.wall_seconds > 0 ? static_cast<double>(table.station_visits) / table.wall_seconds
                                   : kNaN);
  }
  j.end_object();
  return j.str();
}

}  // namespace scalesim
