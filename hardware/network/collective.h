// The gradient all-reduce of data-parallel training, played as flows on the interconnect
// (FlowNetwork, max-min fair sharing) rather than read off a formula: NCCL's hierarchical ring,
// a reduce-scatter and all-gather ring among the GPUs of each node (every GPU sends to the next
// through its own NVLink/NVSwitch or PCIe port), then, for the shard each GPU owns, a ring
// across the nodes through their NICs and the leaf-spine fabric. Every step of a ring moves
// one n-th of the data between neighbours at once, so a step lasts as long as its slowest flow
// under the link shares, plus the per-hop latency. On an idle, non-blocking fabric this is the
// ring formula 2 (n-1)/n x bytes / bandwidth + 2 (n-1) x latency; an oversubscribed leaf uplink
// or a shared port slows the steps whose flows cross it.
#pragma once

#include <cstdint>

namespace scalesim::hardware {

struct TrainingCluster {
  int nodes = 1;
  int gpus_per_node = 1;
  double gpu_link_bandwidth = 0;  // bytes/s per GPU port, per direction
  double gpu_link_latency = 0;    // s per ring step inside a node
  double nic_bandwidth = 0;       // bytes/s per node, per direction
  double nic_latency = 0;         // s per ring step across nodes
  // Leaf-spine: nodes under one leaf switch, and the leaf's total uplink capacity to the spines
  // (spines x spine link), per direction. 0 nodes per leaf: every node on one switch.
  int nodes_per_leaf = 0;
  double leaf_uplink_bandwidth = 0;
  double link_efficiency = 0.8;  // achieved fraction of a link (NCCL's bus bandwidth)
};

struct AllReduceTime {
  double intra_node = 0;  // s, both rings inside the nodes
  double inter_node = 0;  // s, both rings across the nodes
  double total() const { return intra_node + inter_node; }
};

// Time to all-reduce `bytes` (the gradients) over the cluster, its steps simulated as flows.
// Throws std::invalid_argument for non-positive counts or bandwidths.
AllReduceTime simulate_allreduce(const TrainingCluster& cluster, double bytes);

}  // namespace scalesim::hardware
