// The --json object of a single run: the run's counters, every component's report (its texts,
// statistics, tables and histograms under the keys the component declared), the headline
// metrics and the SLO verdicts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "models/queueing/queueing_network.h"
#include "models/queueing/report_format.h"
#include "models/queueing/resource_requirements.h"

namespace scalesim {
namespace {

using report::hex;

void write_number(JsonWriter& out, const std::string& key, double v, Unit unit) {
  if (unit == Unit::kCount && v >= 0) {
    out.value(key, static_cast<std::uint64_t>(v));
  } else {
    out.value(key, v);
  }
}

void write_histogram(JsonWriter& out, const std::string& key, const LatencyHistogram& h) {
  out.begin_object(key);
  out.begin_array("bucket_lower_ns");
  for (std::size_t i = 0; i < h.counts().size(); ++i) {
    if (h.counts()[i] != 0) out.value("", LatencyHistogram::bucket_lower(i));
  }
  out.end_array();
  out.begin_array("count");
  for (auto n : h.counts()) {
    if (n != 0) out.value("", n);
  }
  out.end_array();
  out.end_object();
}

// A component's report: texts, scalars, tables (arrays of objects) and histograms.
void write_component(JsonWriter& out, const ComponentReport& r) {
  for (const auto& t : r.texts()) out.value(t.key, t.value);
  for (const auto& s : r.scalars()) write_number(out, s.key, s.value, s.unit);
  for (const auto& t : r.tables()) {
    out.begin_array(t.key);
    for (std::size_t row = 0; row < t.rows.size(); ++row) {
      out.begin_object();
      out.value(t.row_key, t.rows[row]);
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        write_number(out, t.columns[c].name, t.cells[row * t.columns.size() + c],
                     t.columns[c].unit);
      }
      out.end_object();
    }
    out.end_array();
  }
  for (const auto& l : r.latencies()) {
    write_histogram(out, l.primary ? std::string("latency_histogram") : l.what + "_histogram",
                    *l.histogram);
  }
}

}  // namespace

void write_json(JsonWriter& out, const QueueingNetwork& net, const NetworkRun& run) {
  out.begin_object();
  out.value("name", net.settings().name);
  out.value("version", SCALESIM_VERSION);
  out.value("ranks", run.ranks);
  out.value("threads", run.threads);
  out.value("events", run.counters.events_processed);
  out.value("events_past_end", run.counters.events_past_end);
  out.value("sim_time_s", to_seconds(run.end_time));
  out.value("wall_s", run.wall_seconds);
  out.value("events_per_s",
            static_cast<double>(run.counters.events_processed) / std::max(run.wall_seconds, 1e-9));
  out.value("warmup_s", to_seconds(net.settings().warmup));
  out.value("status", run.counters.interrupted ? "interrupted" : "complete");
  out.value("price_per_hour", net.settings().price_per_hour);
  const ResourceRequirements res = resource_requirements(net);
  out.begin_object("resources");
  out.value("gpus", res.gpus).value("gpu_memory_bytes", res.gpu_memory_bytes);
  out.value("gpu_capacity_bytes", res.gpu_capacity_bytes);
  out.value("host_memory_bytes", res.host_memory_bytes).value("redis_nodes", res.redis_nodes);
  out.value("redis_memory_bytes", res.redis_memory_bytes);
  out.end_object();
  const std::vector<ComponentReport> reports = component_reports(net, run);
  out.begin_array("components");
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    out.begin_object();
    out.value("name", net.name_of(lp));
    out.value("events", run.processed_per_lp[lp]);
    out.value("type", type_name(net.component(lp)));
    write_component(out, reports[lp]);
    out.end_object();
  }
  out.end_array();
  out.begin_object("metrics");
  for (const auto& [name, v] : headline_metrics(net, run)) out.value(name, v);
  out.end_object();
  out.begin_array("slo");
  for (const auto& r : slo_results(net, run)) {
    out.begin_object()
        .value("name", r.spec.name)
        .value("metric", r.spec.metric)
        .value("target", r.spec.target_text)
        .value("value", r.value)
        .value("met", r.met)
        .end_object();
  }
  out.end_array();
  out.value("result_hash", hex(run.result_hash));
  out.end_object();
}

}  // namespace scalesim
