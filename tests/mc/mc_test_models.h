// Small builders of McModel networks for the mc kernel's tests and benchmark.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sweep/mc/mc_model.h"

namespace scalesim::mc::testing {

// Nodes are added in topological order; edges may be added in any order and are laid out per
// node by build().
class Builder {
 public:
  int source(Dist inter_arrival) { return add(NodeKind::kSource, inter_arrival, 1); }
  int station(Dist service, int servers = 1, int max_batch = 1, double timeout = 0,
              std::vector<double> factors = {}) {
    const int v = add(NodeKind::kStation, service, servers);
    nodes_[static_cast<std::size_t>(v)].max_batch = max_batch;
    nodes_[static_cast<std::size_t>(v)].batch_timeout = timeout;
    if (!factors.empty()) {
      nodes_[static_cast<std::size_t>(v)].batch_table = static_cast<std::int32_t>(table_.size());
      table_.insert(table_.end(), factors.begin(), factors.end());
    }
    return v;
  }
  int router() { return add(NodeKind::kRouter, {}, 1); }
  int fork() { return add(NodeKind::kFork, {}, 1); }
  int sink() { return add(NodeKind::kSink, {}, 1); }
  void edge(int from, int to, double probability = 1, double delay = 0) {
    edges_.push_back({from, Edge{to, delay, probability}});
  }

  McModel build(double end_s, double warmup_s = 0) const {
    McModel m;
    m.node_count = static_cast<std::int32_t>(nodes_.size());
    m.warmup_s = warmup_s;
    m.end_s = end_s;
    int e = 0;
    for (std::size_t v = 0; v < nodes_.size(); ++v) {
      m.nodes[v] = nodes_[v];
      m.nodes[v].first_edge = e;
      for (const auto& [from, edge] : edges_) {
        if (from == static_cast<int>(v)) m.edges[e++] = edge;
      }
      m.nodes[v].edge_count = e - m.nodes[v].first_edge;
    }
    m.edge_count = e;
    for (std::size_t i = 0; i < table_.size(); ++i) m.batch_factor[i] = table_[i];
    return m;
  }

 private:
  int add(NodeKind kind, Dist d, int servers) {
    Node n;
    n.kind = kind;
    n.dist = d;
    n.servers = servers;
    nodes_.push_back(n);
    return static_cast<int>(nodes_.size()) - 1;
  }
  std::vector<Node> nodes_;
  std::vector<std::pair<int, Edge>> edges_;
  std::vector<double> table_;
};

inline Dist exponential(double mean) {
  return {DistKind::kExponential, mean, 0};
}
inline Dist deterministic(double mean) {
  return {DistKind::kDeterministic, mean, 0};
}
inline Dist lognormal(double mean, double cv) {
  return {DistKind::kLognormal, mean, cv};
}
inline Dist erlang(double mean, int k) {
  return {DistKind::kErlang, mean, static_cast<double>(k)};
}
inline Dist uniform(double mean, double half) {
  return {DistKind::kUniform, mean, half};
}

// source -> station(c servers) -> sink.
inline McModel mmc(int servers, double mean_ia, Dist service, double end_s, double warmup_s) {
  Builder b;
  const int s = b.source(exponential(mean_ia));
  const int q = b.station(service, servers);
  const int k = b.sink();
  b.edge(s, q);
  b.edge(q, k);
  return b.build(end_s, warmup_s);
}

// source -> n stations in a row -> sink.
inline McModel tandem(int n, double mean_ia, Dist service, double end_s, double warmup_s,
                      int servers = 1) {
  Builder b;
  int prev = b.source(exponential(mean_ia));
  for (int i = 0; i < n; ++i) {
    const int q = b.station(service, servers);
    b.edge(prev, q);
    prev = q;
  }
  b.edge(prev, b.sink());
  return b.build(end_s, warmup_s);
}

// source -> batching station -> router 0.8 / 0.2 -> (sink | batching station -> sink).
// Nodes: 0 source, 1 small model, 2 router, 3 large model, 4 sink.
inline McModel cascade(double mean_ia, Dist small, Dist large, double end_s, double warmup_s) {
  Builder b;
  const int s = b.source(exponential(mean_ia));
  const int q1 = b.station(small, 2, 8, 0.002, {1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4});
  const int r = b.router();
  const int q2 = b.station(large, 1, 4, 0.005, {1.0, 1.5, 2.0, 2.5});
  const int k = b.sink();
  b.edge(s, q1);
  b.edge(q1, r, 1, 0.0001);
  b.edge(r, k, 0.8);
  b.edge(r, q2, 0.2, 0.0002);
  b.edge(q2, k);
  return b.build(end_s, warmup_s);
}

// source -> fork -> 3 stations -> sink (the join). Nodes: 0 source, 1 fork, 2-4 stations, 5 sink.
inline McModel fork_join(double mean_ia, Dist a, Dist b2, Dist c, double end_s, double warmup_s,
                         int servers = 1) {
  Builder b;
  const int s = b.source(exponential(mean_ia));
  const int f = b.fork();
  const int q1 = b.station(a, servers);
  const int q2 = b.station(b2, servers);
  const int q3 = b.station(c, servers);
  const int k = b.sink();
  b.edge(s, f);
  b.edge(f, q1);
  b.edge(f, q2, 1, 0.001);
  b.edge(f, q3);
  b.edge(q1, k);
  b.edge(q2, k);
  b.edge(q3, k, 1, 0.0005);
  return b.build(end_s, warmup_s);
}

}  // namespace scalesim::mc::testing
