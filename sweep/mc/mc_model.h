// The network the Monte Carlo kernel simulates: a feed-forward (acyclic) queueing network of
// sources, multi-server FIFO stations with optional batch service, probabilistic routers, forks
// and sinks, in flat fixed-size arrays so one copy can be handed to a GPU as is.
//
// A customer reaching a node with several incoming edges arrives when the last of the edges it
// actually took delivers it: after a router that is the one edge taken (a merge), after a fork
// it is the slowest branch (a join). Sources, stations and sinks have exactly one outgoing edge
// (sinks none); routers pick one edge by probability; forks send a copy down every edge.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define SCALESIM_HD __host__ __device__
#else
#define SCALESIM_HD
#endif

namespace scalesim::mc {

inline constexpr int kMaxNodes = 32;
inline constexpr int kMaxEdges = 64;
inline constexpr int kMaxBatch = 256;        // largest batch a station may form
inline constexpr int kMaxBatchTable = 1024;  // batch-size factors of all stations together
inline constexpr int kMaxPreferred = 64;     // preferred batch sizes of all stations together
inline constexpr int kNodeMetrics = 8;       // metrics slots per node in a result row

enum class NodeKind : std::uint8_t { kSource, kStation, kRouter, kFork, kSink };

// mean in seconds; shape: coefficient of variation (lognormal), phases k (erlang),
// half-width as a fraction of the mean (uniform); unused for exponential and deterministic.
enum class DistKind : std::uint8_t { kExponential, kDeterministic, kUniform, kLognormal, kErlang };
struct Dist {
  DistKind kind = DistKind::kExponential;
  double mean = 0;
  double shape = 0;
};

struct Node {
  NodeKind kind = NodeKind::kSink;
  std::int32_t servers = 1;       // station: parallel servers
  std::int32_t max_batch = 1;     // station: 1 = one customer per service
  double batch_timeout = 0;       // station: how long the oldest waiting customer may be held to
                                  // fill a batch while a server is free (Triton max_queue_delay), s
  std::int32_t batch_table = -1;  // station: a batch of b takes draw(dist) * batch_factor[
                                  // batch_table + b - 1]; -1: factor 1 for every b
  // station: servers come in replicas of `instances` each (a GPU running several model
  // instances). With instances > 1 a batch goes to the least-busy replica's first free server,
  // and its factor is batch_factor[batch_table + (busy - 1) * max_batch + b - 1], busy being
  // the replica's servers running at its start, itself included (instances * max_batch
  // entries).
  std::int32_t instances = 1;
  // station: Triton preferred batch sizes, ascending, preferred[preferred_first ..
  // preferred_first + preferred_count): a waiting queue that can make one goes at once as the
  // largest such size, without waiting for batch_timeout.
  std::int32_t preferred_first = 0;
  std::int32_t preferred_count = 0;
  Dist dist;                    // source: inter-arrival time; station: service time
  std::int32_t first_edge = 0;  // outgoing edges: edges[first_edge, first_edge + edge_count)
  std::int32_t edge_count = 0;
};

struct Edge {
  std::int32_t to = 0;
  double delay = 0;        // fixed transfer time, s
  double probability = 1;  // routers: chance of taking this edge (a router's edges sum to 1)
};

// One sweep point. Nodes are in topological order (every edge goes to a later node).
struct McModel {
  std::int32_t node_count = 0;
  std::int32_t edge_count = 0;
  double warmup_s = 0;  // statistics cover customers created in [warmup_s, end_s)
  double end_s = 0;     // sources stop creating customers at end_s; all created are finished
  Node nodes[kMaxNodes];
  Edge edges[kMaxEdges];
  double batch_factor[kMaxBatchTable] = {};
  std::int32_t preferred[kMaxPreferred] = {};
};

// Per-node metric slots of one replication (row layout [node][kNodeMetrics]); unused slots 0.
// Stations: customers measured by their arrival at the station in the window.
enum StationMetric : int {
  kStationMeanWait = 0,      // s, arrival to start of service
  kStationUtilisation = 1,   // busy server time inside [warmup, end) / (servers * window)
  kStationMeanBatch = 2,     // customers per service
  kStationP99Sojourn = 3,    // s, exact order statistic ceil(0.99 n)
  kStationThroughput = 4,    // departures inside the window / window, per s
  kStationVisits = 5,        // customers counted
  kStationMeanSojourn = 6,   // s
  kStationBusyReplicas = 7,  // replicas with a server busy, time-averaged over the window
};
// Sinks: customers measured by their creation time in the window; latency = arrival at the sink
// minus creation.
enum SinkMetric : int {
  kSinkMeanLatency = 0,
  kSinkP50Latency = 1,  // exact order statistics ceil(q n)
  kSinkP99Latency = 2,
  kSinkThroughput = 3,  // arrivals at the sink inside the window / window, per s
  kSinkCount = 4,
  kSinkP95Latency = 5,
};
// Routers: share of the measured customers that took edge k, for k < kNodeMetrics.
// Sources: slot 0 = customers created in the window.

}  // namespace scalesim::mc
