#include "network_hdf5.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "scalesim/io/hdf5_file.h"

#ifndef SCALESIM_GIT_REVISION
#define SCALESIM_GIT_REVISION "unknown"
#endif

namespace scalesim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kChunkRows = 65536;
constexpr int kDeflateLevel = 1;  // fast; the shuffle filter does most of the work

// A /requests row, packed (37 bytes) in memory exactly as in the file: parallel HDF5 writes
// through compression filters only when no datatype conversion is needed.
#pragma pack(push, 1)
struct RequestRow {
  std::uint64_t id;
  std::uint16_t cls;
  std::int64_t arrival_ns;
  std::int64_t completion_ns;
  std::int64_t latency_ns;
  std::uint16_t path;
  std::uint8_t status;
};
#pragma pack(pop)
static_assert(sizeof(RequestRow) == 37);

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

CompoundType series_type() {
  CompoundType t(sizeof(SeriesRow));
  t.add("t_s", offsetof(SeriesRow, t_s), H5T_NATIVE_DOUBLE)
      .add("utilisation", offsetof(SeriesRow, utilisation), H5T_NATIVE_DOUBLE)
      .add("queue_length", offsetof(SeriesRow, queue_length), H5T_NATIVE_DOUBLE)
      .add("throughput_per_s", offsetof(SeriesRow, throughput_per_s), H5T_NATIVE_DOUBLE);
  return t;
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

CompoundType request_type() {
  CompoundType t(sizeof(RequestRow));
  t.add("id", offsetof(RequestRow, id), H5T_NATIVE_UINT64)
      .add("class", offsetof(RequestRow, cls), H5T_NATIVE_UINT16)
      .add("arrival_ns", offsetof(RequestRow, arrival_ns), H5T_NATIVE_INT64)
      .add("completion_ns", offsetof(RequestRow, completion_ns), H5T_NATIVE_INT64)
      .add("latency_ns", offsetof(RequestRow, latency_ns), H5T_NATIVE_INT64)
      .add("path", offsetof(RequestRow, path), H5T_NATIVE_UINT16)
      .add("status", offsetof(RequestRow, status), H5T_NATIVE_UINT8);
  return t;
}

const char* type_name(const QueueingNetwork::Component& c) {
  switch (c.index()) {
    case 0:
      return "source";
    case 1:
      return "station";
    case 2:
      return "router";
    case 3:
      return "sink";
    case 4:
      return "model_server";
    case 5:
      return "cascade_gate";
    case 6:
      return "trace";
    case 7:
      return "ensemble";
    case 8:
      return "version_splitter";
    case 9:
      return "training_job";
    case 10:
      return "feature_lookup";
    case 11:
      return "federated_rounds";
    case 12:
      return "pipeline";
    case 13:
      return "drift_monitor";
    default:
      return "link";
  }
}

void write_requests(const Hdf5Group& root, const QueueingNetwork& net, const NetworkRun& run,
                    Transport& transport) {
  // Indices for the class and path columns.
  std::vector<std::uint16_t> class_index(net.lp_count(), 0), path_index(net.lp_count(), 0);
  std::vector<std::string> class_names, path_names{"-"};
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    if (std::holds_alternative<Source>(net.component(lp)) ||
        std::holds_alternative<TraceSource>(net.component(lp))) {
      class_index[lp] = static_cast<std::uint16_t>(class_names.size());
      class_names.push_back(net.name_of(lp));
    } else if (std::holds_alternative<Station>(net.component(lp)) ||
               std::holds_alternative<ModelServer>(net.component(lp))) {
      path_index[lp] = static_cast<std::uint16_t>(path_names.size());
      path_names.push_back(net.name_of(lp));
    }
  }
  // Global order: sinks in LP order, each sink's records in arrival order. Offsets from the
  // record counts of every sink, summed over the ranks that own them.
  std::vector<std::uint64_t> counts(net.lp_count(), 0);
  std::uint64_t completed = 0;
  double sample = 1.0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    if (const auto* k = std::get_if<Sink>(&net.component(lp))) {
      if (run.owned[lp]) counts[lp] = k->records().size();
      completed += k->measured();
      sample = k->sample_fraction();
    }
  }
  transport.allreduce_sum(counts);
  std::vector<RequestRow> rows;
  std::uint64_t mine = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) mine += run.owned[lp] ? counts[lp] : 0;
  rows.reserve(mine);
  std::vector<Hdf5Group::Piece> pieces;
  std::uint64_t offset = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const auto* k = std::get_if<Sink>(&net.component(lp));
    if (k != nullptr && run.owned[lp]) {
      pieces.push_back({offset, counts[lp]});
      for (const auto& r : k->records()) {
        rows.push_back(RequestRow{
            r.id, class_index[r.source], r.arrival, r.completion, r.completion - r.arrival,
            r.served_by == kNoLp ? std::uint16_t{0} : path_index[r.served_by], 0});
      }
    }
    offset += counts[lp];
  }
  const Hdf5Group d = root.sliced_table(
      "requests", request_type(), rows.data(), pieces, offset,
      std::min<std::uint64_t>(kChunkRows, std::max<std::uint64_t>(offset, 1)), kDeflateLevel);
  d.attribute("class_names", class_names);
  d.attribute("path_names", path_names);
  d.attribute("sampling_fraction", sample);
  d.attribute("recorded", offset);
  d.attribute("completed", completed);
}

void write_contents(const Hdf5Group& root, const QueueingNetwork& net, const NetworkRun& run,
                    Transport& transport, const std::string& status);

}  // namespace

std::string interrupted_name(const std::string& path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return path + ".interrupted.h5";
  return path.substr(0, dot) + ".interrupted" + path.substr(dot);
}

std::string write_results_hdf5(const std::string& path, const QueueingNetwork& net,
                               const NetworkRun& run, Transport& transport,
                               const std::string& status) {
  const std::string partial = path + ".partial";
  const int rank = transport.rank();
  {
    Hdf5File file(partial, transport.size() > 1, rank);
    write_contents(file.root(), net, run, transport, status);
    file.close();  // every group and dataset handle is closed by now, as the MPI-IO driver requires
  }
  transport.barrier();
  std::string final_name = status == "complete" ? path : interrupted_name(path);
  if (rank == 0 && std::rename(partial.c_str(), final_name.c_str()) != 0) {
    throw std::runtime_error(final_name + ": cannot rename the finished results file");
  }
  transport.barrier();
  return final_name;
}

namespace {

void write_contents(const Hdf5Group& root, const QueueingNetwork& net, const NetworkRun& run,
                    Transport& transport, const std::string& status) {
  {
    root.attribute("schema_version", std::int64_t{kHdf5SchemaVersion});
    root.attribute("scalesim_version", std::string(SCALESIM_VERSION));
    root.attribute("git_revision", std::string(SCALESIM_GIT_REVISION));
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

    write_requests(root, net, run, transport);

    const Hdf5Group components = root.group("components");
    std::vector<SummaryRow> summary, classes;
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      const auto& comp = net.component(lp);
      const Hdf5Group g = components.group(net.name_of(lp));
      g.attribute("type", std::string(type_name(comp)));
      g.attribute("lp", std::uint64_t{lp});
      std::visit(
          [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            const auto& rows = c.series().rows();
            g.attribute("interval_s", to_seconds(c.series().interval()));
            g.table("timeseries", series_type(), rows.data(), rows.size());
            if constexpr (std::is_same_v<T, Source> || std::is_same_v<T, TraceSource>) {
              summary.push_back(summary_row(net.name_of(lp), type_name(comp), c.emitted()));
            } else if constexpr (kServesCustomers<T>) {
              g.attribute("servers", std::uint64_t{c.servers()});
              write_histogram(g, "latency_histogram", c.sojourn_histogram());
              write_histogram(g, "wait_histogram", c.wait_histogram());
              if constexpr (std::is_same_v<T, ModelServer>) {
                g.attribute("hardware", c.setup().description);
                g.attribute("mean_batch_size", c.batch_size().mean());
                g.attribute("price_per_hour", c.setup().price_per_hour);
              }
              SummaryRow r = summary_row(net.name_of(lp), type_name(comp), c.departures());
              fill_latency(r, c.sojourn().mean(), c.sojourn_histogram());
              r.utilisation = c.utilisation(run.end_time);
              const double span =
                  to_seconds(run.end_time - std::min(run.end_time, net.settings().warmup));
              r.throughput_per_s =
                  span > 0 ? static_cast<double>(c.sojourn().count()) / span : kNaN;
              summary.push_back(r);
            } else if constexpr (std::is_same_v<T, DriftMonitor>) {
              g.attribute("stale_share", c.stale_share(run.end_time));
              g.attribute("mean_accuracy", c.mean_accuracy(run.end_time));
              summary.push_back(summary_row(net.name_of(lp), "drift_monitor", c.deployments()));
            } else if constexpr (std::is_same_v<T, Pipeline>) {
              write_histogram(g, "latency_histogram", c.run_histogram());
              g.attribute("critical_path", c.critical_path());
              SummaryRow r = summary_row(net.name_of(lp), "pipeline", c.runs());
              fill_latency(r, c.run_time().mean(), c.run_histogram());
              summary.push_back(r);
            } else if constexpr (std::is_same_v<T, FederatedRounds>) {
              write_histogram(g, "round_histogram", c.round_histogram());
              g.attribute("bytes_moved", c.bytes_moved());
              summary.push_back(summary_row(net.name_of(lp), "federated_rounds", c.rounds_done()));
            } else if constexpr (std::is_same_v<T, FeatureLookup>) {
              write_histogram(g, "latency_histogram", c.histogram());
              g.attribute("hot_shard_ratio", c.hot_shard_ratio());
              SummaryRow r = summary_row(net.name_of(lp), "feature_lookup", c.requests());
              fill_latency(r, c.latency().mean(), c.histogram());
              summary.push_back(r);
            } else if constexpr (std::is_same_v<T, TrainingJob>) {
              g.attribute("hardware", c.setup().description);
              g.attribute("gpu_hours", c.gpu_hours());
              g.attribute("cost", c.cost());
              summary.push_back(summary_row(net.name_of(lp), "training_job", c.completed()));
            } else if constexpr (std::is_same_v<T, VersionSplitter>) {
              write_histogram(g, "stable_latency_histogram", c.latency(VersionSplitter::kStable));
              write_histogram(g, "canary_latency_histogram", c.latency(VersionSplitter::kCanary));
              g.attribute("rolled_back", std::uint64_t{c.rolled_back() ? 1u : 0u});
              summary.push_back(
                  summary_row(net.name_of(lp), "version_splitter", c.answers(0) + c.answers(1)));
            } else if constexpr (std::is_same_v<T, Ensemble>) {
              write_histogram(g, "latency_histogram", c.join_histogram());
              SummaryRow r = summary_row(net.name_of(lp), "ensemble", c.released());
              fill_latency(r, c.join_latency().mean(), c.join_histogram());
              summary.push_back(r);
            } else if constexpr (std::is_same_v<T, CascadeGate>) {
              g.attribute("threshold", c.threshold());
              g.attribute("accepted_share", c.accepted_share());
              summary.push_back(
                  summary_row(net.name_of(lp), "cascade_gate", c.accepted() + c.escalated()));
            } else if constexpr (std::is_same_v<T, NetworkLink>) {
              g.attribute("availability", c.availability(run.end_time));
              g.attribute("dropped", c.dropped());
              g.attribute("held", c.held());
              summary.push_back(summary_row(net.name_of(lp), "link", c.forwarded()));
            } else if constexpr (std::is_same_v<T, Router>) {
              std::uint64_t routed = 0;
              for (auto n : c.sent()) routed += n;
              summary.push_back(summary_row(net.name_of(lp), "router", routed));
            } else {
              write_histogram(g, "latency_histogram", c.histogram());
              SummaryRow r = summary_row(net.name_of(lp), "sink", c.measured());
              fill_latency(r, c.latency().mean(), c.histogram());
              r.throughput_per_s = c.throughput();
              summary.push_back(r);
            }
          },
          comp);
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
          if (c.source != lp) continue;
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

}  // namespace
}  // namespace scalesim
