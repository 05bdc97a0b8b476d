#include "models/queueing/results_contents.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "models/queueing/report_format.h"
#include "models/queueing/resource_requirements.h"
#include "models/queueing/topology_drawing.h"
#include "models/serving/llm_engine.h"
#include "scalesim/build_info.h"

namespace scalesim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct SummaryRow {
  char name[64];
  char type[16];
  std::uint64_t count;
  double mean_s, p50_s, p90_s, p99_s, p999_s;
  double throughput_per_s;
  double utilisation;
  std::int8_t slo_met;
  double cost_usd;
};

using SeriesRow = TimeSeriesRecorder::Row;

// Fixed-length, NUL-padded HDF5 string fields: a name of exactly n characters has no NUL.
void copy_name(char* dst, std::size_t n, const std::string& s) {
  std::fill_n(dst, n, '\0');
  std::copy_n(s.data(), std::min(n, s.size()), dst);
}

SummaryRow summary_row(const std::string& name, const std::string& type, std::uint64_t count) {
  SummaryRow r{};
  copy_name(r.name, sizeof r.name, name);
  copy_name(r.type, sizeof r.type, type);
  r.count = count;
  r.mean_s = r.p50_s = r.p90_s = r.p99_s = r.p999_s = r.throughput_per_s = r.utilisation =
      r.cost_usd = kNaN;
  r.slo_met = -1;
  return r;
}

void fill_latency(SummaryRow& r, double mean_s, const LatencyHistogram& h) {
  if (h.count() == 0) return;
  r.mean_s = mean_s;
  r.p50_s = h.quantile(0.5) * 1e-9;
  r.p90_s = h.quantile(0.9) * 1e-9;
  r.p99_s = h.quantile(0.99) * 1e-9;
  r.p999_s = h.quantile(0.999) * 1e-9;
}

void write_histogram(const Hdf5Group& parent, const std::string& name, const LatencyHistogram& h) {
  std::vector<std::uint64_t> lower, upper, count;
  for (std::size_t i = 0; i < h.counts().size(); ++i) {
    if (h.counts()[i] == 0) continue;
    lower.push_back(LatencyHistogram::bucket_lower(i));
    upper.push_back(LatencyHistogram::bucket_lower(i) + LatencyHistogram::bucket_width(i));
    count.push_back(h.counts()[i]);
  }
  const Hdf5Group g = parent.group(name);
  g.array("bucket_lower_ns", lower);
  g.array("bucket_upper_ns", upper);
  g.array("count", count);
}

// A component's report as attributes (texts, scalars), groups (tables: an array per column and
// the row names as attribute `rows_key`) and histograms; returns its /summary row.
SummaryRow write_component(const Hdf5Group& g, const std::string& name, std::string_view type,
                           const ComponentReport& r) {
  for (const auto& t : r.texts()) g.attribute(t.key, t.value);
  for (const auto& s : r.scalars()) {
    if (s.unit == Unit::kCount && s.value >= 0) {
      g.attribute(s.key, static_cast<std::uint64_t>(s.value));
    } else {
      g.attribute(s.key, s.value);
    }
  }
  for (const auto& t : r.tables()) {
    const Hdf5Group tg = g.group(t.key);
    tg.attribute(t.rows_key, t.rows);
    const std::size_t n = t.rows.size();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].unit == Unit::kCount) {
        std::vector<std::uint64_t> v(n);
        for (std::size_t i = 0; i < n; ++i) {
          v[i] = static_cast<std::uint64_t>(t.cells[i * t.columns.size() + c]);
        }
        tg.array(t.columns[c].name, v);
      } else {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = t.cells[i * t.columns.size() + c];
        tg.doubles(t.columns[c].name, v, {n});
      }
    }
  }
  SummaryRow row = summary_row(name, std::string(type), r.summary_count());
  for (const auto& l : r.latencies()) {
    write_histogram(g, l.primary ? std::string("latency_histogram") : l.what + "_histogram",
                    *l.histogram);
    if (l.primary) fill_latency(row, l.mean_s, *l.histogram);
  }
  if (const auto* u = r.find("utilisation")) row.utilisation = u->value;
  if (const auto* x = r.find("throughput_per_s")) row.throughput_per_s = x->value;
  return row;
}

// A time series' rows with its columns named for what they hold.
CompoundType series_type(const char* busy = "utilisation", const char* queued = "queue_length",
                         const char* counted = "throughput_per_s") {
  CompoundType t(sizeof(SeriesRow));
  t.add("t_s", offsetof(SeriesRow, t_s), H5T_NATIVE_DOUBLE)
      .add(busy, offsetof(SeriesRow, utilisation), H5T_NATIVE_DOUBLE)
      .add(queued, offsetof(SeriesRow, queue_length), H5T_NATIVE_DOUBLE)
      .add(counted, offsetof(SeriesRow, throughput_per_s), H5T_NATIVE_DOUBLE);
  return t;
}

// An LLM engine's KV-cache series: the recorder's columns under the names of what they hold.
CompoundType kv_series_type() {
  return series_type("kv_utilisation", "running", "output_tokens_per_s");
}

CompoundType summary_type() {
  CompoundType t(sizeof(SummaryRow));
  t.add_string("name", offsetof(SummaryRow, name), sizeof(SummaryRow::name))
      .add_string("type", offsetof(SummaryRow, type), sizeof(SummaryRow::type))
      .add("count", offsetof(SummaryRow, count), H5T_NATIVE_UINT64)
      .add("mean_s", offsetof(SummaryRow, mean_s), H5T_NATIVE_DOUBLE)
      .add("p50_s", offsetof(SummaryRow, p50_s), H5T_NATIVE_DOUBLE)
      .add("p90_s", offsetof(SummaryRow, p90_s), H5T_NATIVE_DOUBLE)
      .add("p99_s", offsetof(SummaryRow, p99_s), H5T_NATIVE_DOUBLE)
      .add("p999_s", offsetof(SummaryRow, p999_s), H5T_NATIVE_DOUBLE)
      .add("throughput_per_s", offsetof(SummaryRow, throughput_per_s), H5T_NATIVE_DOUBLE)
      .add("utilisation", offsetof(SummaryRow, utilisation), H5T_NATIVE_DOUBLE)
      .add("slo_met", offsetof(SummaryRow, slo_met), H5T_NATIVE_INT8)
      .add("cost_usd", offsetof(SummaryRow, cost_usd), H5T_NATIVE_DOUBLE);
  return t;
}

}  // namespace

void write_results_contents(const Hdf5Group& root, const QueueingNetwork& net,
                            const NetworkRun& run, const std::string& status) {
  {
    root.attribute("scalesim_version", std::string(SCALESIM_VERSION));
    root.attribute("git_revision", std::string(git_revision()));
    root.attribute("name", net.settings().name);
    root.attribute("seed", net.settings().seed);
    root.attribute("ranks", std::int64_t{run.ranks});
    root.attribute("threads", std::int64_t{run.threads});
    root.attribute("wall_time_s", run.wall_seconds);
    root.attribute("events_processed", run.counters.events_processed);
    root.attribute("sim_time_s", to_seconds(run.end_time));
    root.attribute("warmup_s", to_seconds(net.settings().warmup));
    root.attribute("status", status);
    char hash[24];
    std::snprintf(hash, sizeof hash, "0x%016llx", static_cast<unsigned long long>(run.result_hash));
    root.attribute("result_hash", std::string(hash));
    root.text("config", net.settings().config_text);
    // The topology's price and cost, and each SLO with its simulated value and verdict.
    for (const auto& [metric, value] : headline_metrics(net, run)) {
      if (metric.rfind("cost.", 0) == 0) root.attribute("cost_" + metric.substr(5), value);
    }
    if (const std::vector<SloResult> slos = slo_results(net, run); !slos.empty()) {
      std::vector<std::string> names, metrics, targets;
      std::vector<double> values;
      std::vector<std::uint8_t> met;
      for (const SloResult& r : slos) {
        names.push_back(r.spec.name);
        metrics.push_back(r.spec.metric);
        targets.push_back(r.spec.target_text);
        values.push_back(r.value);
        met.push_back(r.met ? 1 : 0);
      }
      const std::vector<std::uint64_t> dims{slos.size()};
      const Hdf5Group g = root.group("slo");
      g.strings("name", names, dims);
      g.strings("metric", metrics, dims);
      g.strings("target", targets, dims);
      g.doubles("value", values, dims);
      g.bytes("met", met, dims);
    }
    const ResourceRequirements res = resource_requirements(net);
    root.attribute("gpus", std::uint64_t{res.gpus});
    root.attribute("gpu_memory_bytes", res.gpu_memory_bytes);
    root.attribute("gpu_capacity_bytes", res.gpu_capacity_bytes);
    root.attribute("host_memory_bytes", res.host_memory_bytes);
    root.attribute("redis_nodes", std::uint64_t{res.redis_nodes});
    root.attribute("redis_memory_bytes", res.redis_memory_bytes);
    // The drawing of the topology annotated with what the run measured (scalesim show RUN.h5).
    const std::vector<ComponentLoad> loads = component_loads(net, run);
    root.group("topology").text("dot", topology_dot(net, &loads));

    const Hdf5Group components = root.group("components");
    std::vector<SummaryRow> summary, classes;
    const std::vector<ComponentReport> reports = component_reports(net, run);
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      const auto& comp = net.component(lp);
      const Hdf5Group g = components.group(net.name_of(lp));
      g.attribute("type", std::string(type_name(comp)));
      g.attribute("lp", std::uint64_t{lp});
      std::visit(
          [&](const auto& c) {
            const auto& rows = c.series().rows();
            g.attribute("interval_s", to_seconds(c.series().interval()));
            g.table("timeseries", series_type(), rows.data(), rows.size());
            if constexpr (std::is_same_v<std::decay_t<decltype(c)>, LlmEngine>) {
              const auto& kv = c.kv_series().rows();
              g.table("kv_timeseries", kv_series_type(), kv.data(), kv.size());
              const Hdf5Group per = g.group("replica_timeseries");
              for (std::uint32_t r = 0; r < c.replica_series().size(); ++r) {
                const auto& own = c.replica_series()[r].rows();
                per.table(c.replica_name(r), kv_series_type(), own.data(), own.size());
              }
            }
          },
          comp);
      summary.push_back(write_component(g, net.name_of(lp), type_name(comp), reports[lp]));
    }
    // Request classes: merge each source's latency over every sink.
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      if (!std::holds_alternative<Source>(net.component(lp)) &&
          !std::holds_alternative<TraceSource>(net.component(lp))) {
        continue;
      }
      Welford latency;
      LatencyHistogram hist;
      SimTime first = kTimeInfinity, last = 0;
      for (LpId k = 0; k < net.lp_count(); ++k) {
        const auto* sink = std::get_if<Sink>(&net.component(k));
        if (sink == nullptr) continue;
        for (const auto& c : sink->classes()) {
          if (c.source != lp) continue;  // (a class's statistics, not a Customer)
          latency.merge(c.latency);
          hist.merge(c.histogram);
          first = std::min(first, c.first);
          last = std::max(last, c.last);
        }
      }
      SummaryRow r = summary_row(net.name_of(lp), "class", latency.count());
      fill_latency(r, latency.mean(), hist);
      if (latency.count() > 1 && last > first) {
        r.throughput_per_s = static_cast<double>(latency.count() - 1) / to_seconds(last - first);
      }
      classes.push_back(r);
    }
    const Hdf5Group s = root.group("summary");
    s.table("components", summary_type(), summary.data(), summary.size());
    s.table("classes", summary_type(), classes.data(), classes.size());
    root.group("sweep");
  }
}

}  // namespace scalesim
