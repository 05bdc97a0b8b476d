// Placing LPs on ranks x threads.
//
// Models declare an LpGraph: who may send to whom, each edge's minimum latency (the same label
// serves as the partitioner's constraint and the synchronisation lookahead) and its expected
// traffic. Edges below the lookahead floor are contracted first, so they are never cut; the
// lookahead of the run is the minimum latency over the edges the partition does cut.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalesim/event.h"
#include "scalesim/sim_time.h"

namespace scalesim {

struct LpEdge {
  LpId from = 0;
  LpId to = 0;
  SimTime min_latency = 0;
  double traffic = 1.0;  // expected events per unit time along the edge (relative)
};

struct LpGraph {
  std::uint32_t lp_count = 0;
  std::vector<double> lp_load;  // expected events handled per LP (relative); empty = equal
  std::vector<LpEdge> edges;
  std::vector<std::string> lp_names;  // for messages; empty = "LP <id>"
  // Every LP may send to every LP with at least this latency and uniform traffic (PHOLD).
  // No edges are listed then; any balanced partition is equally good.
  bool all_to_all = false;
  SimTime all_to_all_latency = 0;

  std::string name_of(LpId lp) const;
};

enum class PartitionMethod { kMetis, kBlock };
PartitionMethod parse_partition_method(const std::string& name);  // "metis" | "block"

struct Partition {
  std::uint32_t parts = 1;
  std::vector<std::uint32_t> part_of;  // per LP
  SimTime lookahead = kTimeInfinity;   // min latency over cut edges; infinity if none is cut
  std::uint64_t cut_edges = 0;
  double cut_traffic = 0.0;
  double total_traffic = 0.0;
  std::string method;

  std::vector<std::uint32_t> lps_per_part() const;
  std::string report() const;  // one paragraph for --stats
};

// Partitions into `parts` parts. Throws std::invalid_argument when the result would cut an edge
// of latency 0 (naming it), which only a block partition can do.
// `lookahead_floor`: edges with latency below it are contracted; 0 means "the smallest positive
// edge latency", i.e. only zero-latency edges are contracted.
Partition partition_lps(const LpGraph& graph, std::uint32_t parts, PartitionMethod method,
                        SimTime lookahead_floor = 0);

}  // namespace scalesim
