// Turns a pattern config's network into the Monte Carlo kernel's McModel where it fits: renewal
// sources, stations, model servers (Triton batching, replicas x instances, the calibrated batch
// times), random routers, cascade gates with a confidence distribution, and sinks, joined by
// links with fixed latency. Anything else (trace replay, feature lookups, ensembles with a
// quorum, ...) is an McModelError naming the component and why.
#pragma once

#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "sweep/mc/mc_backend.h"

namespace scalesim {

struct McMapping {
  mc::McModel model;
  // The network's reported metrics the kernel reproduces, in headline_metrics order, and where
  // each comes from in a result row.
  struct Source {
    enum class Kind : std::uint8_t {
      kSlot,                   // row[node * kNodeMetrics + slot]
      kSlotPerReplica,         // row[...] / replicas (throughput per replica)
      kMakespan,               // end_s
      kPricePerHour,           // the topology's price
      kCostPerMillion,         // price / requests per s
      kComputeCostPerMillion,  // busy replicas x price per replica / requests per s
    };
    Kind kind = Kind::kSlot;
    int node = 0;
    int slot = 0;
    double divisor = 1;
  };
  std::vector<std::string> metric_names;
  std::vector<Source> metric_sources;
  std::vector<int> sink_nodes;  // whose throughput sums to the request rate
  // Model servers: (node, price per replica per hour, replicas), for the compute cost.
  struct Priced {
    int node;
    double price_per_replica_hour;
  };
  std::vector<Priced> priced;
  double price_per_hour = 0;

  // The metric values of replication `rep` of point `point` in `result`, where this mapping is
  // point `point`'s.
  std::vector<double> metrics(const mc::McResult& result, int point, int rep) const;
};

// Throws mc::McModelError naming the component that does not fit.
McMapping map_to_mc(const QueueingNetwork& net);

}  // namespace scalesim
