// The CPU driver of the Monte Carlo kernel (OpenMP over (point, replication) pairs), model
// validation and the host-side planning shared with the CUDA driver.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/mc/mc_backend.h"
#include "sweep/mc/mc_cpu_pairs.h"
#include "sweep/mc/mc_internal.h"
#include "sweep/mc/mc_kernel.h"

namespace scalesim::mc {

namespace {

const char* kind_name(NodeKind k) {
  switch (k) {
    case NodeKind::kSource:
      return "source";
    case NodeKind::kStation:
      return "station";
    case NodeKind::kRouter:
      return "router";
    case NodeKind::kFork:
      return "fork";
    case NodeKind::kSink:
      return "sink";
  }
  return "unknown";
}

[[noreturn]] void fail_node(const McModel& m, int v, const std::string& what) {
  std::ostringstream os;
  os << "node " << v << " (" << kind_name(m.nodes[v].kind) << "): " << what;
  throw McModelError(os.str());
}

bool finite(double x) {
  return std::isfinite(x);
}

void validate_dist(const McModel& m, int v, const Dist& d, const char* role) {
  const std::string r(role);
  if (!finite(d.mean) || !(d.mean > 0)) {
    fail_node(m, v, r + " mean must be positive and finite, got " + std::to_string(d.mean));
  }
  switch (d.kind) {
    case DistKind::kExponential:
    case DistKind::kDeterministic:
      return;
    case DistKind::kUniform:
      if (!(d.shape >= 0 && d.shape <= 1)) {
        fail_node(
            m, v,
            r + " uniform half-width (shape) must be in [0, 1], got " + std::to_string(d.shape));
      }
      return;
    case DistKind::kLognormal:
      if (!finite(d.shape) || !(d.shape >= 0)) {
        fail_node(
            m, v,
            r + " lognormal cv (shape) must be >= 0 and finite, got " + std::to_string(d.shape));
      }
      return;
    case DistKind::kErlang:
      if (!(d.shape >= 1 && d.shape <= 1000 && d.shape == std::floor(d.shape))) {
        fail_node(m, v,
                  r + " erlang phases (shape) must be an integer in [1, 1000], got " +
                      std::to_string(d.shape));
      }
      return;
  }
  fail_node(m, v, r + " distribution kind is unknown");
}

}  // namespace

void validate(const McModel& m) {
  if (m.node_count < 1 || m.node_count > kMaxNodes) {
    throw McModelError("node_count must be in [1, " + std::to_string(kMaxNodes) + "], got " +
                       std::to_string(m.node_count));
  }
  if (m.edge_count < 0 || m.edge_count > kMaxEdges) {
    throw McModelError("edge_count must be in [0, " + std::to_string(kMaxEdges) + "], got " +
                       std::to_string(m.edge_count));
  }
  if (!finite(m.warmup_s) || !finite(m.end_s) || !(m.warmup_s >= 0) || !(m.end_s > m.warmup_s)) {
    throw McModelError("window: need end_s > warmup_s >= 0 (finite), got warmup_s = " +
                       std::to_string(m.warmup_s) + ", end_s = " + std::to_string(m.end_s));
  }
  int sources = 0;
  bool has_incoming[kMaxNodes] = {};
  for (int v = 0; v < m.node_count; ++v) {
    const Node& node = m.nodes[v];
    if (static_cast<int>(node.kind) > static_cast<int>(NodeKind::kSink)) {
      fail_node(m, v, "kind is unknown");
    }
    if (node.edge_count < 0 || node.first_edge < 0 ||
        node.first_edge + node.edge_count > m.edge_count) {
      fail_node(m, v,
                "edges [" + std::to_string(node.first_edge) + ", " +
                    std::to_string(node.first_edge + node.edge_count) +
                    ") out of the model's edge range [0, " + std::to_string(m.edge_count) + ")");
    }
    switch (node.kind) {
      case NodeKind::kSource:
      case NodeKind::kStation:
        if (node.edge_count != 1) {
          fail_node(m, v,
                    "must have exactly 1 outgoing edge, has " + std::to_string(node.edge_count));
        }
        break;
      case NodeKind::kSink:
        if (node.edge_count != 0) {
          fail_node(m, v, "a sink has no outgoing edges, has " + std::to_string(node.edge_count));
        }
        break;
      case NodeKind::kRouter:
      case NodeKind::kFork:
        if (node.edge_count < 1) fail_node(m, v, "needs at least 1 outgoing edge, has 0");
        break;
    }
    double psum = 0;
    for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
      const Edge& edge = m.edges[e];
      if (edge.to <= v || edge.to >= m.node_count) {
        fail_node(m, v,
                  "edge " + std::to_string(e) + " goes to node " + std::to_string(edge.to) +
                      (edge.to >= 0 && edge.to < v
                           ? ": nodes are not in topological order (every edge must go to a "
                             "later node)"
                           : ": target out of range (must be a later node < " +
                                 std::to_string(m.node_count) + ")"));
      }
      if (!finite(edge.delay) || !(edge.delay >= 0)) {
        fail_node(m, v,
                  "edge " + std::to_string(e) + " delay must be >= 0 and finite, got " +
                      std::to_string(edge.delay));
      }
      if (node.kind == NodeKind::kRouter) {
        if (!(edge.probability >= 0 && edge.probability <= 1)) {
          fail_node(m, v,
                    "edge " + std::to_string(e) + " probability must be in [0, 1], got " +
                        std::to_string(edge.probability));
        }
        psum += edge.probability;
      }
      has_incoming[edge.to] = true;
    }
    if (node.kind == NodeKind::kRouter && std::fabs(psum - 1.0) > 1e-9) {
      fail_node(m, v, "router probabilities sum to " + std::to_string(psum) + ", not 1");
    }
    if (node.kind == NodeKind::kSource) {
      ++sources;
      validate_dist(m, v, node.dist, "inter-arrival");
    }
    if (node.kind == NodeKind::kStation) {
      if (node.servers < 1) {
        fail_node(m, v, "servers must be >= 1, got " + std::to_string(node.servers));
      }
      if (node.max_batch < 1 || node.max_batch > kMaxBatch) {
        fail_node(m, v,
                  "max_batch must be in [1, " + std::to_string(kMaxBatch) + "], got " +
                      std::to_string(node.max_batch));
      }
      if (!finite(node.batch_timeout) || !(node.batch_timeout >= 0)) {
        fail_node(
            m, v,
            "batch_timeout must be >= 0 and finite, got " + std::to_string(node.batch_timeout));
      }
      if (node.instances < 1 || node.servers % node.instances != 0) {
        fail_node(m, v,
                  "instances must be >= 1 and divide servers (" + std::to_string(node.servers) +
                      "), got " + std::to_string(node.instances));
      }
      if (node.preferred_count < 0 || node.preferred_first < 0 ||
          node.preferred_first + node.preferred_count > kMaxPreferred) {
        fail_node(m, v,
                  "preferred batch sizes out of bounds [0, " + std::to_string(kMaxPreferred) + ")");
      }
      for (int q = 0; q < node.preferred_count; ++q) {
        const int p = m.preferred[node.preferred_first + q];
        const int before = q > 0 ? m.preferred[node.preferred_first + q - 1] : 0;
        if (p < 1 || p > node.max_batch || p <= before) {
          fail_node(
              m, v,
              "preferred batch sizes must ascend within [1, max_batch], got " + std::to_string(p));
        }
      }
      if (node.batch_table != -1) {
        const int entries = node.instances * node.max_batch;
        if (node.batch_table < 0 || node.batch_table + entries > kMaxBatchTable) {
          fail_node(m, v,
                    "batch table [" + std::to_string(node.batch_table) + ", " +
                        std::to_string(node.batch_table + entries) + ") out of bounds [0, " +
                        std::to_string(kMaxBatchTable) + ")");
        }
        for (int b = 0; b < entries; ++b) {
          const double f = m.batch_factor[node.batch_table + b];
          if (!finite(f) || !(f >= 0)) {
            fail_node(m, v,
                      "batch factor for size " + std::to_string(b + 1) +
                          " must be >= 0 and finite, got " + std::to_string(f));
          }
        }
      }
      validate_dist(m, v, node.dist, "service");
    }
  }
  for (int v = 0; v < m.node_count; ++v) {
    if (m.nodes[v].kind == NodeKind::kSource && has_incoming[v]) {
      fail_node(m, v, "a source cannot have incoming edges");
    }
  }
  if (sources == 0) throw McModelError("the model has no source node");
}

namespace detail {

kernel::Plan make_plan(const McModel& m) {
  kernel::Plan p;
  for (int v = 0; v < m.node_count; ++v) {
    const Node& node = m.nodes[v];
    for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
      const int to = m.edges[e].to;
      if (p.node[to].first_pred < 0) p.node[to].first_pred = v;
    }
    if (node.dist.kind == DistKind::kErlang) {
      p.node[v].erlang_k = static_cast<std::int32_t>(node.dist.shape);
    }
    if (node.dist.kind == DistKind::kLognormal) {
      const double cv = node.dist.shape;
      const double s2 = kernel::mc_log(1.0 + cv * cv);
      p.node[v].ln_sigma = kernel::mc_sqrt(s2);
      p.node[v].ln_mu = kernel::mc_log(node.dist.mean) - 0.5 * s2;
    }
  }
  // Nodes every customer reaches, and buffers whose first writer writes every customer (those
  // need no "not reached" initialisation, and the first writer stores instead of taking a max).
  int sources = 0;
  for (int v = 0; v < m.node_count; ++v) sources += m.nodes[v].kind == NodeKind::kSource ? 1 : 0;
  bool reaches_all[kMaxNodes] = {};
  for (int v = 0; v < m.node_count; ++v) {
    const Node& node = m.nodes[v];
    const bool emits_all =
        node.kind == NodeKind::kSource
            ? sources == 1
            : reaches_all[v] && (node.kind == NodeKind::kStation || node.kind == NodeKind::kFork);
    if (!emits_all) continue;
    for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
      const int to = m.edges[e].to;
      reaches_all[to] = true;
      p.node[to].reaches_all = 1;
      if (p.node[to].first_pred == v) p.node[to].first_writes_all = 1;
    }
  }
  // Arrival buffers: a node's buffer is live from its first predecessor until the node itself
  // is done; greedy reuse in topological order.
  bool used[kMaxNodes] = {};
  int slots = 0;
  for (int v = 0; v < m.node_count; ++v) {
    const Node& node = m.nodes[v];
    for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
      const int to = m.edges[e].to;
      if (p.node[to].first_pred != v || p.node[to].slot >= 0) continue;
      int s = 0;
      while (used[s]) ++s;
      used[s] = true;
      p.node[to].slot = s;
      slots = std::max(slots, s + 1);
    }
    if (p.node[v].slot >= 0) used[p.node[v].slot] = false;
  }
  p.slots = std::max(slots, 1);
  double expected = 0;
  for (int v = 0; v < m.node_count; ++v) {
    if (m.nodes[v].kind == NodeKind::kSource) expected += m.end_s / m.nodes[v].dist.mean;
  }
  const double cap = std::ceil(expected + 10.0 * std::sqrt(expected) + 64.0);
  if (!(cap <= 1e9)) {
    throw McModelError("the model creates too many customers per replication (about " +
                       std::to_string(expected) + ", at most about 1e9 fit a workspace)");
  }
  p.capacity = static_cast<std::int32_t>(cap);
  std::int32_t servers = 1;
  for (int v = 0; v < m.node_count; ++v) {
    if (m.nodes[v].kind == NodeKind::kStation) {
      servers = std::max(servers, std::min(m.nodes[v].servers, p.capacity));
    }
  }
  p.servers = servers;
  return p;
}

Prepared prepare(std::span<const McModel> points, int replications) {
  if (replications < 1) {
    throw McModelError("replications must be >= 1, got " + std::to_string(replications));
  }
  Prepared p;
  p.plans.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    try {
      validate(points[i]);
      p.plans.push_back(make_plan(points[i]));
    } catch (const McModelError& e) {
      throw McModelError("point " + std::to_string(i) + ": " + e.what());
    }
    const kernel::Plan& pl = p.plans.back();
    p.capacity = std::max<std::int64_t>(p.capacity, pl.capacity);
    p.slots = std::max<std::int64_t>(p.slots, pl.slots);
    p.servers = std::max<std::int64_t>(p.servers, pl.servers);
    p.row_nodes = std::max(p.row_nodes, points[i].node_count);
  }
  p.pairs = static_cast<std::int64_t>(points.size()) * replications;
  return p;
}

McResult make_result(const Prepared& p, int points, int replications) {
  McResult r;
  r.points = points;
  r.replications = replications;
  r.row_nodes = p.row_nodes;
  r.metrics.assign(
      static_cast<std::size_t>(p.pairs) * static_cast<std::size_t>(p.row_nodes) * kNodeMetrics,
      0.0);
  return r;
}

void finish(McResult& result, const Prepared& p, std::span<const std::int32_t> status,
            std::span<const std::uint64_t> visits) {
  for (std::size_t i = 0; i < status.size(); ++i) {
    if (status[i] != kernel::kOk) {
      const auto reps = static_cast<std::size_t>(result.replications);
      const std::size_t point = i / reps;
      throw McModelError("point " + std::to_string(point) + " replication " +
                         std::to_string(i % reps) + ": more than " +
                         std::to_string(p.plans[point].capacity) +
                         " customers created, the workspace's customer capacity (expected "
                         "arrivals + 10 standard deviations + 64)");
    }
  }
  std::uint64_t total = 0;
  for (const std::uint64_t v : visits) total += v;
  result.station_visits = total;
}

}  // namespace detail

bool cpu_avx512_available() {
#if defined(SCALESIM_MC_AVX512_BUILD) && (defined(__x86_64__) || defined(__i386__))
  // Checks the OS saves the AVX-512 registers too, not only the CPUID bit.
  return __builtin_cpu_supports("avx512f") != 0;
#else
  return false;
#endif
}

McResult run_cpu(std::span<const McModel> points, int replications, std::uint64_t seed, int threads,
                 CpuKernel kernel) {
  const auto t_start = std::chrono::steady_clock::now();
  const bool avx512 =
      kernel == CpuKernel::kAvx512 || (kernel == CpuKernel::kBest && cpu_avx512_available());
  if (avx512 && !cpu_avx512_available()) {
    throw std::invalid_argument(
        "run_cpu: the AVX-512 kernel is not available (not built, or the CPU lacks AVX-512F)");
  }
  const detail::Prepared prep = detail::prepare(points, replications);
  McResult result = detail::make_result(prep, static_cast<int>(points.size()), replications);
  result.kernel = avx512 ? "cpu-avx512" : "cpu-portable";
  std::vector<std::int32_t> status(static_cast<std::size_t>(prep.pairs), kernel::kOk);
  std::vector<std::uint64_t> visits(static_cast<std::size_t>(prep.pairs), 0);
  detail::PairRun run;
  run.models = points.data();
  run.plans = prep.plans.data();
  run.seed = seed;
  run.replications = replications;
  run.pairs = prep.pairs;
  run.threads = static_cast<int>(std::clamp<std::int64_t>(prep.pairs, 1, std::max(threads, 1)));
  run.ndbl = kernel::workspace_doubles(prep.capacity, prep.slots, prep.servers);
  run.nint = kernel::workspace_ints(prep.capacity);
  run.capacity = prep.capacity;
  run.slots = prep.slots;
  run.servers = prep.servers;
  // Not value-initialised: each thread's first writes touch its own workspace's pages.
  const auto dbl = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(run.ndbl) *
                                                            static_cast<std::size_t>(run.threads));
  const auto ints = std::make_unique_for_overwrite<std::int32_t[]>(
      static_cast<std::size_t>(run.nint) * static_cast<std::size_t>(run.threads));
  run.dbl = dbl.get();
  run.ints = ints.get();
  run.metrics = result.metrics.data();
  run.row = static_cast<std::size_t>(prep.row_nodes) * kNodeMetrics;
  run.status = status.data();
  run.visits = visits.data();
  if (avx512) {
#if defined(SCALESIM_MC_AVX512_BUILD)
    detail::run_pairs_avx512(run);
#endif
  } else {
    kernel::run_pairs(run);
  }
  detail::finish(result, prep, status, visits);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return result;
}

#if defined(SCALESIM_HAVE_CUDA)
bool built_with_cuda() {
  return true;
}
#else
bool built_with_cuda() {
  return false;
}
bool cuda_available() {
  return false;
}
McResult run_cuda(std::span<const McModel> /*points*/, int /*replications*/,
                  std::uint64_t /*seed*/) {
  throw std::runtime_error("run_cuda: this build of ScaleSim has no CUDA support");
}
McResult run_nvcc_host(std::span<const McModel> /*points*/, int /*replications*/,
                       std::uint64_t /*seed*/) {
  throw std::runtime_error("run_nvcc_host: this build of ScaleSim has no CUDA support");
}
#endif

}  // namespace scalesim::mc
