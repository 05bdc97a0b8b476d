// The topology as a Graphviz drawing (the DOT language): each component with its type, model,
// hardware, replicas and batching, each link with its latency; after a run, each component
// coloured by its utilisation and labelled with its throughput and p99. `scalesim show` renders
// it with Graphviz's `dot`; a run's HDF5 file keeps the annotated drawing (/topology).
#pragma once

#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"

namespace scalesim {

// What a run measured of one component (NaN: it does not report that).
struct ComponentLoad {
  double utilisation;       // busy share of its servers (the hottest shard's for a store)
  double throughput_per_s;  // requests it handled per measured second
  double p99_s;             // the p99 of its main latency
  bool hottest;             // the utilisation is the hottest shard's (a feature store)
};

// Per LP, from the run's reports.
std::vector<ComponentLoad> component_loads(const QueueingNetwork& net, const NetworkRun& run);

// The drawing; with `loads` (one per LP), annotated with them.
std::string topology_dot(const QueueingNetwork& net,
                         const std::vector<ComponentLoad>* loads = nullptr);

}  // namespace scalesim
