// A queueing network built from a YAML config: sources, FIFO stations, probabilistic routers
// and sinks, one LP each, numbered in the order the config lists them. The model the kernel
// runs; dispatch to the component is a std::visit (a jump table), not a virtual call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/patterns/slo.h"
#include "models/queueing/component_registry.h"
#include "models/queueing/component_report.h"
#include "models/queueing/network_settings.h"
#include "scalesim/config/config_node.h"
#include "scalesim/json_writer.h"
#include "scalesim/kernel.h"
#include "scalesim/parallel/parallel_kernel.h"
#include "scalesim/parallel/partition.h"
#include "scalesim/parallel/transport.h"

namespace scalesim::hardware {
class Catalog;
}  // namespace scalesim::hardware

namespace scalesim {

// Components that queue customers in front of servers (stations, model servers).
template <class T>
inline constexpr bool kServesCustomers =
    std::is_same_v<T, Station> || std::is_same_v<T, ModelServer> || std::is_same_v<T, LlmEngine>;

class QueueingNetwork {
 public:
  using Payload = Customer;
  using Component = Components::Variant;

  // Builds from a parsed config; every mistake is a ConfigError with file:line:column.
  static QueueingNetwork from_config(const ConfigNode& root);
  // With this hardware catalog instead of the config's `catalog:` folder or the default one.
  static QueueingNetwork from_config(const ConfigNode& root, const hardware::Catalog& catalog);

  std::uint32_t lp_count() const { return static_cast<std::uint32_t>(components_.size()); }

  template <class Ctx>
  void init(Ctx& ctx) {
    std::visit([&](auto& c) { c.init(ctx); }, components_[ctx.self()]);
  }
  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    std::visit([&](auto& c) { c.handle(ctx, ev); }, components_[ev.dst]);
  }

  const NetworkSettings& settings() const { return settings_; }
  NetworkSettings& settings() { return settings_; }
  const std::string& name_of(LpId lp) const { return names_[lp]; }
  const std::vector<std::string>& names() const { return names_; }
  const Component& component(LpId lp) const { return components_[lp]; }
  // REQUIRES: a component of that name and type exists.
  template <class T>
  const T& get(std::string_view name) const {
    return std::get<T>(components_[lp_of(name)]);
  }
  LpId lp_of(std::string_view name) const;
  // Sinks keep per-request records (for /requests) only when asked: they cost memory.
  void record_requests(bool on);
  // Every sink hands its records to `to` a block of `block` records at a time (null: keep them).
  void stream_requests(RecordStream* to, std::size_t block);

  // Who sends to whom, with link latencies and expected traffic (from the traffic equations:
  // source rates pushed through routers' probabilities), for the partitioner.
  LpGraph lp_graph() const;
  // An LP's reported state, to move it to the rank that writes results.
  void save_lp(LpId lp, ByteWriter& w) const;
  // Closes the LP's time series at the end of the run.
  void finish_lp(LpId lp, SimTime end);
  void load_lp(LpId lp, ByteReader& r);

 private:
  static QueueingNetwork build(const ConfigNode& root, const hardware::Catalog* catalog);

  NetworkSettings settings_;
  std::vector<std::string> names_;
  std::vector<Component> components_;
};

// The outcome of one run of a network.
struct NetworkRun {
  KernelCounters counters;
  std::vector<std::uint64_t> processed_per_lp;
  SimTime end_time = 0;  // simulated time at which statistics were taken
  double wall_seconds = 0.0;
  std::uint64_t result_hash = 0;
  int ranks = 1;
  int threads = 1;
  std::vector<std::uint8_t> owned;  // per LP: 1 if this rank owns it (its request records are here)
  std::string partition_report;     // parallel runs: the partition, cut and lookahead
  std::vector<ParallelStats> rank_stats;  // parallel runs, on rank 0: one entry per rank
};

struct ParallelOptions {
  int threads = 1;
  PartitionMethod partition = PartitionMethod::kMetis;
};

// Runs the network to its end condition with the given seed, sequentially.
NetworkRun simulate(QueueingNetwork& net, std::uint64_t seed);
// Runs it over every rank of `transport` x `options.threads` threads (the sequential kernel when
// that is one). Results are identical to the sequential run; they are complete on rank 0.
NetworkRun simulate(QueueingNetwork& net, std::uint64_t seed, Transport& transport,
                    const ParallelOptions& options);
// Replications (`run --replications K`; not the `ensemble` component): K independent runs
// (replication i uses seed + i, so any one can be rerun alone), spread over ranks x threads with no
// synchronisation; per-metric means and 99% Student-t intervals across replications. Complete on
// rank 0.
struct ReplicationSummary {
  std::string name;
  std::uint64_t seed = 0;
  int replications = 0;
  int ranks = 1;
  int threads = 1;
  double wall_seconds = 0.0;
  std::vector<std::string> metric_names;
  std::vector<std::vector<double>> values;  // [replication][metric]
  std::vector<std::uint64_t> hashes;        // result hash of each replication
  std::uint64_t result_hash = 0;            // over the replication hashes, in order
};
ReplicationSummary run_replications(const QueueingNetwork& base, std::uint64_t seed,
                                    int replications, Transport& transport, int threads);
std::string summary_text(const ReplicationSummary& e);
void write_json(JsonWriter& out, const ReplicationSummary& e);

// What each component reports of the run, by LP: the one source of every report below.
std::vector<ComponentReport> component_reports(const QueueingNetwork& net, const NetworkRun& run);
// The headline metrics (statistics components mark kHeadline), in a fixed order: per component,
// then the makespan and the topology's cost ("cost.per_hour", "cost.per_million_requests",
// "cost.compute_per_million_requests"). SLO metrics and ensemble metrics are names from here.
Metrics headline_metrics(const QueueingNetwork& net, const NetworkRun& run);
// Every numeric statistic of every component (NAME.key, and the tables' metric cells), then the
// makespan and cost. --replications reports a confidence interval for each.
Metrics analysis_metrics(const QueueingNetwork& net, const NetworkRun& run);
std::vector<SloResult> slo_results(const QueueingNetwork& net, const NetworkRun& run);

// Per-rank counters as text, for --stats.
std::string stats_text(const NetworkRun& run);

// Reports: a human summary, and the --json object (summary metrics plus result_hash).
std::string summary_text(const QueueingNetwork& net, const NetworkRun& run);
void write_json(JsonWriter& out, const QueueingNetwork& net, const NetworkRun& run);

}  // namespace scalesim
