// What a run reports: every component's report (component_report.h), the metrics SLOs, sweeps
// and --replications name, SLO verdicts, the text summary, and the --json object of replications
// (a single run's is in network_json.cpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "models/queueing/component_report.h"
#include "models/queueing/queueing_network.h"
#include "models/queueing/report_format.h"
#include "models/queueing/resource_requirements.h"
#include "scalesim/config/units.h"

namespace scalesim {

using report::fmt;
using report::hex;
using report::kReportLevel;
using report::measured_seconds;

std::vector<ComponentReport> component_reports(const QueueingNetwork& net, const NetworkRun& run) {
  std::vector<LpId> classes;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const auto& c = net.component(lp);
    if (std::holds_alternative<Source>(c) || std::holds_alternative<TraceSource>(c)) {
      classes.push_back(lp);
    }
  }
  const ReportContext ctx{run.end_time, measured_seconds(net, run), net.names(), classes};
  std::vector<ComponentReport> out(net.lp_count());
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    std::visit([&](const auto& c) { c.report(out[lp], ctx); }, net.component(lp));
  }
  return out;
}

namespace {

// Every metric of one component: its scalars and its tables' metric cells, the headline ones
// only or all of them.
void add_metrics(Metrics& m, const std::string& name, const ComponentReport& r, bool headline) {
  for (const auto& s : r.scalars()) {
    if (!headline || (s.show & kHeadline) != 0) m.emplace_back(name + "." + s.key, s.value);
  }
  for (const auto& t : r.tables()) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const auto& col = t.columns[c];
      if (!col.metric || (headline && (col.show & kHeadline) == 0)) continue;
      for (std::size_t row = 0; row < t.rows.size(); ++row) {
        std::string key = name;
        key.append(".").append(t.metric_prefix).append(t.rows[row]).append(".").append(col.name);
        m.emplace_back(std::move(key), t.cells[row * t.columns.size() + c]);
      }
    }
  }
}

Metrics metrics_of(const QueueingNetwork& net, const NetworkRun& run,
                   const std::vector<ComponentReport>& reports, bool headline) {
  Metrics m;
  double requests_per_s = 0;
  double compute_dollars_per_s = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    add_metrics(m, net.name_of(lp), reports[lp], headline);
    requests_per_s += reports[lp].delivered_per_s();
    compute_dollars_per_s += reports[lp].compute_cost_per_s();
  }
  m.emplace_back("run.makespan_s", to_seconds(run.end_time));
  const double price = net.settings().price_per_hour;
  if (price > 0) {
    const double nan = std::nan("");
    m.emplace_back("cost.per_hour", price);
    m.emplace_back("cost.per_million_requests",
                   requests_per_s > 0 ? price / 3600.0 / requests_per_s * 1e6 : nan);
    m.emplace_back("cost.compute_per_million_requests",
                   requests_per_s > 0 ? compute_dollars_per_s / requests_per_s * 1e6 : nan);
  }
  return m;
}

}  // namespace

Metrics headline_metrics(const QueueingNetwork& net, const NetworkRun& run) {
  return metrics_of(net, run, component_reports(net, run), true);
}

Metrics analysis_metrics(const QueueingNetwork& net, const NetworkRun& run) {
  return metrics_of(net, run, component_reports(net, run), false);
}

std::vector<SloResult> slo_results(const QueueingNetwork& net, const NetworkRun& run) {
  return evaluate_slos(net.settings().slos, headline_metrics(net, run));
}

namespace {

std::string slo_value(const SloResult& r) {
  const std::string& t = r.spec.target_text;
  if (t.find('%') != std::string::npos) return fmt("%.1f%%", 100 * r.value);
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "/h") == 0) return fmt("%.4g/h", r.value * 3600);
  if (t.size() > 4 && t.compare(t.size() - 4, 4, "/min") == 0) return fmt("%.4g/min", r.value * 60);
  if (t.find('/') != std::string::npos) return fmt("%.4g/s", r.value);
  if (t.find('$') != std::string::npos) return fmt("$%.4g", r.value);
  if (t.find_first_of("munµh") != std::string::npos || (t.size() > 1 && t.back() == 's')) {
    return format_duration(r.value);
  }
  return fmt("%.4g", r.value);
}

}  // namespace

std::string summary_text(const ReplicationSummary& e) {
  std::string s = "ScaleSim replications: " + e.name + ", " + std::to_string(e.replications) +
                  " replications (seeds " + std::to_string(e.seed) + ".." +
                  std::to_string(e.seed + static_cast<std::uint64_t>(e.replications) - 1) +
                  ") on " + std::to_string(e.ranks) + " ranks x " + std::to_string(e.threads) +
                  " threads, " + fmt("%.3f", e.wall_seconds) + " s wall\n";
  for (std::size_t m = 0; m < e.metric_names.size(); ++m) {
    Welford w;
    for (const auto& rep : e.values) w.add(rep[m]);
    const auto ci = t_interval(w, kReportLevel);
    s += "  " + e.metric_names[m] + ": " + fmt("%.6g", ci.mean) + " +- " +
         fmt("%.3g", ci.half_width) + " (99% CI across replications)\n";
  }
  s += "  result hash " + hex(e.result_hash) + "\n";
  return s;
}

void write_json(JsonWriter& out, const ReplicationSummary& e) {
  out.begin_object();
  out.value("name", e.name);
  out.value("version", SCALESIM_VERSION);
  out.value("replications", e.replications);
  out.value("seed", e.seed);
  out.value("ranks", e.ranks);
  out.value("threads", e.threads);
  out.value("wall_s", e.wall_seconds);
  out.begin_array("metrics");
  for (std::size_t m = 0; m < e.metric_names.size(); ++m) {
    Welford w;
    for (const auto& rep : e.values) w.add(rep[m]);
    const auto ci = t_interval(w, kReportLevel);
    out.begin_object();
    out.value("name", e.metric_names[m]);
    out.value("mean", ci.mean);
    out.value("ci99_half_width", ci.half_width);
    out.begin_array("values");
    for (const auto& rep : e.values) out.value("", rep[m]);
    out.end_array();
    out.end_object();
  }
  out.end_array();
  out.value("result_hash", hex(e.result_hash));
  out.end_object();
}

std::string stats_text(const NetworkRun& run) {
  std::string s = "parallel run: " + std::to_string(run.ranks) + " ranks x " +
                  std::to_string(run.threads) + " threads\n  " + run.partition_report + "\n";
  s += parallel_stats_table(run.rank_stats);
  return s;
}

namespace {

// "mean_wait_s" -> "mean wait", "throughput_per_s" -> "throughput".
std::string label_of(const std::string& key, Unit unit) {
  std::string k = key;
  auto strip = [&](const std::string& suffix) {
    if (k.size() > suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0)
      k.resize(k.size() - suffix.size());
  };
  if (unit == Unit::kPerSecond) strip("_per_s");
  if (unit == Unit::kSeconds) strip("_s");
  if (unit == Unit::kBytes) strip("_bytes");
  std::replace(k.begin(), k.end(), '_', ' ');
  return k;
}

std::string format_value(double v, Unit unit) {
  if (std::isnan(v)) return "n/a";
  switch (unit) {
    case Unit::kCount:
      return fmt("%.0f", v);
    case Unit::kShare:
      return fmt("%.2f%%", 100 * v);
    case Unit::kSeconds:
      return format_duration(v);
    case Unit::kPerSecond:
      return fmt("%.4g/s", v);
    case Unit::kBytes:
      return fmt("%.3g GB", v / 1e9);
    case Unit::kDollars:
      return fmt("$%.2f", v);
    case Unit::kNumber:
      break;
  }
  return fmt("%.4g", v);
}

// "  type     name: item, item, ..." wrapped under the name at about 100 columns.
std::string component_text(const std::string& type, const std::string& name,
                           const ComponentReport& r) {
  std::vector<std::string> items;
  for (const auto& t : r.texts()) {
    if (t.show != kDetail) items.push_back(label_of(t.key, Unit::kNumber) + " " + t.value);
  }
  for (const auto& s : r.scalars()) {
    if (s.show != kDetail)
      items.push_back(label_of(s.key, s.unit) + " " + format_value(s.value, s.unit));
  }
  for (const auto& t : r.tables()) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const auto& col = t.columns[c];
      if (col.show == kDetail || t.rows.empty()) continue;
      std::string item = label_of(t.key, Unit::kNumber);
      if (t.columns.size() > 1) item += " " + label_of(col.name, col.unit);
      item += ":";
      for (std::size_t row = 0; row < t.rows.size(); ++row) {
        item +=
            " " + t.rows[row] + " " + format_value(t.cells[row * t.columns.size() + c], col.unit);
      }
      items.push_back(std::move(item));
    }
  }
  std::string head = "  " + type;
  head.resize(std::max<std::size_t>(head.size() + 1, 11), ' ');
  head += name + ":";
  const std::string indent(11, ' ');
  std::string s = head, line = head;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string piece = items[i] + (i + 1 < items.size() ? "," : "");
    if (line.size() + 1 + piece.size() > 100 && line.size() > indent.size()) {
      s += "\n" + indent;
      line = indent;
    } else {
      s += " ";
      line += " ";
    }
    s += piece;
    line += piece;
  }
  return s + "\n";
}

}  // namespace

std::string summary_text(const QueueingNetwork& net, const NetworkRun& run) {
  std::string s;
  s += "ScaleSim run: " + net.settings().name + "\n";
  if (!net.settings().description.empty()) s += "  " + net.settings().description + "\n";
  s += "  simulated " + format_duration(to_seconds(run.end_time)) + " in " +
       fmt("%.3f", run.wall_seconds) + " s wall; " + std::to_string(run.counters.events_processed) +
       " events (" +
       fmt("%.3g",
           static_cast<double>(run.counters.events_processed) / std::max(run.wall_seconds, 1e-9)) +
       " events/s)\n";
  if (net.settings().warmup > 0) {
    s += "  statistics exclude the warm-up (first " +
         format_duration(to_seconds(net.settings().warmup)) +
         (net.settings().warmup_requests > 0
              ? ": the first " + std::to_string(net.settings().warmup_requests) + " requests"
              : std::string()) +
         ")\n";
  }
  const std::vector<ComponentReport> reports = component_reports(net, run);
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    s += component_text(std::string(type_name(net.component(lp))), net.name_of(lp), reports[lp]);
  }
  const Metrics metrics = metrics_of(net, run, reports, true);
  for (const auto& [name, v] : metrics) {
    if (name == "cost.per_hour") s += "  cost: " + fmt("$%.2f per hour", v);
    if (name == "cost.per_million_requests" && std::isfinite(v)) {
      s += fmt(", $%.3g per million requests", v);
    }
    if (name == "cost.compute_per_million_requests") {
      s += std::isfinite(v) ? fmt(" (compute used: $%.3g per million)\n", v) : "\n";
    }
  }
  if (const std::string res = resource_text(resource_requirements(net)); !res.empty()) {
    s += "  resources: " + res + "\n";
  }
  for (const auto& r : evaluate_slos(net.settings().slos, metrics)) {
    s += "  SLO " + std::string(r.met ? "met   " : "MISSED") + " " + r.spec.name + ": " +
         r.spec.metric + " = " + slo_value(r) + ", target " + r.spec.target_text + "\n";
  }
  s += "  result hash " + hex(run.result_hash) + "\n";
  return s;
}

}  // namespace scalesim
