#include "hardware/network/collective.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "hardware/network/maxmin_flow_network.h"

namespace scalesim::hardware {
namespace {

// One ring step: every flow starts at once; the step ends with the last of them.
double step_seconds(const std::vector<double>& capacities, const std::vector<FlowRequest>& flows) {
  const auto done = simulate_flows(capacities, flows);
  SimTime last = 0;
  for (const SimTime t : done) last = std::max(last, t);
  return to_seconds(last);
}

}  // namespace

AllReduceTime simulate_allreduce(const TrainingCluster& c, double bytes) {
  if (c.nodes < 1 || c.gpus_per_node < 1) {
    throw std::invalid_argument("all-reduce: nodes and GPUs per node must be at least 1");
  }
  if (bytes < 0) throw std::invalid_argument("all-reduce: negative bytes");
  AllReduceTime t;
  const int g = c.gpus_per_node;
  const int n = c.nodes;
  if (g > 1) {
    if (!(c.gpu_link_bandwidth > 0)) {
      throw std::invalid_argument("all-reduce: the GPU link bandwidth must be positive");
    }
    // Ports of one node (the nodes run their rings side by side on separate links): GPU i's
    // egress is link i, its ingress link g + i.
    const std::vector<double> capacities(2 * static_cast<std::size_t>(g),
                                         c.gpu_link_bandwidth * c.link_efficiency);
    std::vector<FlowRequest> flows;
    flows.reserve(static_cast<std::size_t>(g));
    const auto id = [](int v) { return static_cast<FlowNetwork::LinkId>(v); };
    for (int i = 0; i < g; ++i) flows.push_back({0, bytes / g, {id(i), id(g + (i + 1) % g)}});
    // 2 (g-1) identical steps: reduce-scatter, then all-gather.
    t.intra_node = 2.0 * (g - 1) * (step_seconds(capacities, flows) + c.gpu_link_latency);
  }
  if (n > 1) {
    if (!(c.nic_bandwidth > 0)) {
      throw std::invalid_argument("all-reduce: the NIC bandwidth must be positive");
    }
    // Links: NIC egress of node k is k, its ingress n + k; each leaf's uplink 2n + leaf and
    // downlink 2n + leaves + leaf.
    const int per_leaf = c.nodes_per_leaf > 0 ? c.nodes_per_leaf : n;
    const int leaves = (n + per_leaf - 1) / per_leaf;
    std::vector<double> capacities(2 * static_cast<std::size_t>(n),
                                   c.nic_bandwidth * c.link_efficiency);
    const double uplink =
        c.leaf_uplink_bandwidth > 0 ? c.leaf_uplink_bandwidth : per_leaf * c.nic_bandwidth;
    capacities.resize(capacities.size() + 2 * static_cast<std::size_t>(leaves),
                      uplink * c.link_efficiency);
    // Each GPU of a node rings its own shard (bytes / g) across the nodes: g flows per node
    // and step share the node's NIC.
    // The pattern repeats around the ring, so a long ring is played on its first nodes (leaf
    // crossings included): enough to find the slowest flow without millions of flows.
    constexpr int kSimulatedNodes = 256;
    const int played = std::min(n, kSimulatedNodes);
    std::vector<FlowRequest> flows;
    flows.reserve(static_cast<std::size_t>(played) * static_cast<std::size_t>(g));
    const double shard = bytes / g / n;
    const auto id = [](int v) { return static_cast<FlowNetwork::LinkId>(v); };
    for (int k = 0; k < played; ++k) {
      const int next = (k + 1) % n;
      std::vector<FlowNetwork::LinkId> path{id(k)};
      const int from_leaf = k / per_leaf, to_leaf = next / per_leaf;
      if (from_leaf != to_leaf) {
        path.push_back(id(2 * n + from_leaf));
        path.push_back(id(2 * n + leaves + to_leaf));
      }
      path.push_back(id(n + next));
      for (int r = 0; r < g; ++r) flows.push_back({0, shard, path});
    }
    t.inter_node = 2.0 * (n - 1) * (step_seconds(capacities, flows) + c.nic_latency);
  }
  return t;
}

}  // namespace scalesim::hardware
