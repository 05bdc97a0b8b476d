#include "sweep/mc_mapping.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <queue>
#include <string>

namespace scalesim {

namespace {

using mc::McModelError;
using mc::NodeKind;

[[noreturn]] void unfit(const QueueingNetwork& net, LpId lp, const std::string& why) {
  throw McModelError("component '" + net.name_of(lp) + "' does not fit the mc backend: " + why +
                     " (use --backend des)");
}

mc::Dist to_dist(const QueueingNetwork& net, LpId lp, const Distribution& d, const char* what) {
  mc::Dist out;
  out.mean = d.mean_seconds();
  switch (d.kind()) {
    case Distribution::Kind::kExponential:
      out.kind = mc::DistKind::kExponential;
      break;
    case Distribution::Kind::kDeterministic:
      out.kind = mc::DistKind::kDeterministic;
      break;
    case Distribution::Kind::kLognormal: {
      out.kind = mc::DistKind::kLognormal;
      const double m = out.mean;
      out.shape = std::sqrt(std::max(0.0, d.second_moment_seconds() / (m * m) - 1.0));
      break;
    }
    case Distribution::Kind::kEmpirical:
      unfit(net, lp, std::string("empirical ") + what + " distributions are not in the kernel");
  }
  return out;
}

// Outgoing links of a component, in the order the kernel's edges take them.
std::vector<Link> links_of(const QueueingNetwork& net, LpId lp) {
  std::vector<Link> out;
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, Source>) {
          out.push_back(c.out());
        } else if constexpr (std::is_same_v<T, Station> || std::is_same_v<T, ModelServer>) {
          if (c.out()) out.push_back(*c.out());
        } else if constexpr (std::is_same_v<T, Router>) {
          out = c.routes();
        } else if constexpr (std::is_same_v<T, CascadeGate>) {
          out = {c.accept(), c.escalate()};
        }
      },
      net.component(lp));
  return out;
}

// Where the kernel's result row holds the headline metric `metric` (NAME.key, run.* or cost.*),
// or nothing when the kernel does not estimate it.
std::optional<McMapping::Source> mc_source_of(const QueueingNetwork& net,
                                              const std::vector<int>& node_of,
                                              const std::string& metric) {
  using K = McMapping::Source::Kind;
  using S = McMapping::Source;
  if (metric == "run.makespan_s") return S{K::kMakespan, 0, 0, 1};
  if (metric == "cost.per_hour") return S{K::kPricePerHour, 0, 0, 1};
  if (metric == "cost.per_million_requests") return S{K::kCostPerMillion, 0, 0, 1};
  if (metric == "cost.compute_per_million_requests") return S{K::kComputeCostPerMillion, 0, 0, 1};
  const std::size_t dot = metric.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const LpId lp = net.lp_of(std::string_view(metric).substr(0, dot));
  const std::string_view key = std::string_view(metric).substr(dot + 1);
  const int v = node_of[lp];
  const auto& comp = net.component(lp);
  const auto slot = [&](int s) { return std::optional<S>(S{K::kSlot, v, s, 1}); };
  if (std::holds_alternative<Station>(comp) || std::holds_alternative<ModelServer>(comp)) {
    if (key == "mean_wait_s") return slot(mc::kStationMeanWait);
    if (key == "utilisation") return slot(mc::kStationUtilisation);
    if (key == "throughput_per_s") return slot(mc::kStationThroughput);
    if (const auto* ms = std::get_if<ModelServer>(&comp)) {
      if (key == "mean_batch_size") return slot(mc::kStationMeanBatch);
      if (key == "p99_sojourn_s") return slot(mc::kStationP99Sojourn);
      if (key == "throughput_per_replica_per_s")
        return S{K::kSlotPerReplica, v, mc::kStationThroughput,
                 static_cast<double>(ms->setup().replicas)};
    }
  } else if (std::holds_alternative<CascadeGate>(comp)) {
    if (key == "accepted_share") return slot(0);
  } else if (std::holds_alternative<Sink>(comp)) {
    if (key == "mean_latency_s") return slot(mc::kSinkMeanLatency);
    if (key == "p50_latency_s") return slot(mc::kSinkP50Latency);
    if (key == "p99_latency_s") return slot(mc::kSinkP99Latency);
    if (key == "throughput_per_s") return slot(mc::kSinkThroughput);
  }
  return std::nullopt;
}

}  // namespace

McMapping map_to_mc(const QueueingNetwork& net) {
  const LpId n = net.lp_count();
  // Which components fit, checked in config order so the first misfit is the one named.
  for (LpId lp = 0; lp < n; ++lp) {
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Source>) {
            if (c.interarrival().kind() != ArrivalProcess::Kind::kRenewal)
              unfit(net, lp, "only renewal arrivals (poisson, deterministic, lognormal) fit");
            if (c.limit() != UINT64_MAX) unfit(net, lp, "a customer limit is not supported");
          } else if constexpr (std::is_same_v<T, Router>) {
            if (c.policy() != Router::Policy::kRandom)
              unfit(net, lp,
                    "only the random routing policy fits (the others need the state of "
                    "every queue at each decision)");
            if (c.out()) unfit(net, lp, "answers routed back through the router do not fit");
          } else if constexpr (std::is_same_v<T, CascadeGate>) {
            if (c.field() != CascadeGate::Field::kNone)
              unfit(net, lp, "confidence from a per-request trace field does not fit");
          } else if constexpr (std::is_same_v<T, ModelServer>) {
            if (c.setup().failures.enabled)
              unfit(net, lp, "replica failures are not in the kernel");
            if (c.setup().batching.max_batch_size > mc::kMaxBatch)
              unfit(net, lp, "max_batch_size above " + std::to_string(mc::kMaxBatch));
          } else if constexpr (!std::is_same_v<T, Station> && !std::is_same_v<T, Sink>) {
            unfit(net, lp,
                  "only sources, stations, model servers, random routers, cascade gates and "
                  "sinks fit");
          }
        },
        net.component(lp));
  }

  // Topological order (Kahn, lowest id first so the order is fixed).
  std::vector<int> indegree(n, 0);
  for (LpId lp = 0; lp < n; ++lp) {
    for (const Link& l : links_of(net, lp)) ++indegree[l.to];
  }
  std::priority_queue<LpId, std::vector<LpId>, std::greater<>> ready;
  for (LpId lp = 0; lp < n; ++lp) {
    if (indegree[lp] == 0) ready.push(lp);
  }
  std::vector<LpId> order;
  while (!ready.empty()) {
    const LpId lp = ready.top();
    ready.pop();
    order.push_back(lp);
    for (const Link& l : links_of(net, lp)) {
      if (--indegree[l.to] == 0) ready.push(l.to);
    }
  }
  if (order.size() != n) {
    for (LpId lp = 0; lp < n; ++lp) {
      if (indegree[lp] > 0)
        unfit(net, lp, "it is on a cycle; the kernel needs a feed-forward network");
    }
  }
  // Stations without an outgoing link end their customers' journeys: each gets a hidden sink.
  int hidden = 0;
  for (LpId lp = 0; lp < n; ++lp) {
    if (const auto* st = std::get_if<Station>(&net.component(lp)); st && !st->out()) ++hidden;
    if (const auto* ms = std::get_if<ModelServer>(&net.component(lp)); ms && !ms->out()) ++hidden;
  }
  if (static_cast<int>(n) + hidden > mc::kMaxNodes) {
    throw McModelError("the network has " + std::to_string(n + static_cast<LpId>(hidden)) +
                       " nodes; the mc kernel takes at most " + std::to_string(mc::kMaxNodes));
  }

  McMapping map;
  mc::McModel& m = map.model;
  std::vector<int> node_of(n, -1);
  for (std::size_t i = 0; i < order.size(); ++i) node_of[order[i]] = static_cast<int>(i);
  m.node_count = static_cast<std::int32_t>(n) + hidden;
  m.warmup_s = to_seconds(net.settings().warmup);
  if (net.settings().end.end_time == kTimeInfinity)
    throw McModelError("the mc backend needs a time limit (end: {time: ...}) in the config");
  m.end_s = to_seconds(net.settings().end.end_time);
  int next_hidden = static_cast<int>(n);
  int table = 0;
  int preferred = 0;
  auto add_edge = [&](LpId lp, int to, double delay, double probability) {
    if (m.edge_count >= mc::kMaxEdges) unfit(net, lp, "the network has too many links");
    m.edges[m.edge_count] = mc::Edge{to, delay, probability};
    ++m.edge_count;
  };
  for (const LpId lp : order) {
    mc::Node& node = m.nodes[node_of[lp]];
    node.first_edge = m.edge_count;
    const std::vector<Link> links = links_of(net, lp);
    const auto& comp = net.component(lp);
    if (const auto* src = std::get_if<Source>(&comp)) {
      node.kind = NodeKind::kSource;
      node.dist = to_dist(net, lp, src->interarrival().gaps(), "inter-arrival");
    } else if (const auto* st = std::get_if<Station>(&comp)) {
      node.kind = NodeKind::kStation;
      node.servers = static_cast<std::int32_t>(st->servers());
      node.dist = to_dist(net, lp, st->service(), "service");
    } else if (const auto* ms = std::get_if<ModelServer>(&comp)) {
      const ModelServerSetup& s = ms->setup();
      node.kind = NodeKind::kStation;
      node.servers = static_cast<std::int32_t>(s.replicas * s.instances);
      node.instances = static_cast<std::int32_t>(s.instances);
      node.max_batch = s.batching.max_batch_size;
      node.batch_timeout = to_seconds(s.batching.max_queue_delay);
      // The calibrated batch times are exact: a deterministic 1 s scaled by the table entry.
      node.dist = mc::Dist{mc::DistKind::kDeterministic, 1.0, 0.0};
      const int entries = static_cast<int>(s.instances) * node.max_batch;
      if (table + entries > mc::kMaxBatchTable) unfit(net, lp, "its batch-time table is too large");
      node.batch_table = table;
      for (int i = 0; i < entries; ++i)
        m.batch_factor[table + i] = to_seconds(s.batch_time[static_cast<std::size_t>(i)]);
      table += entries;
      const auto& pref = s.batching.preferred_batch_sizes;
      if (preferred + static_cast<int>(pref.size()) > mc::kMaxPreferred)
        unfit(net, lp, "too many preferred batch sizes");
      node.preferred_first = preferred;
      node.preferred_count = static_cast<std::int32_t>(pref.size());
      for (const int p : pref) m.preferred[preferred++] = p;
      map.priced.push_back({node_of[lp], s.price_per_hour / s.replicas});
    } else if (const auto* r = std::get_if<Router>(&comp)) {
      node.kind = NodeKind::kRouter;
      for (std::size_t i = 0; i < links.size(); ++i) {
        add_edge(lp, node_of[links[i].to], to_seconds(links[i].latency), r->probability(i));
      }
    } else if (const auto* g = std::get_if<CascadeGate>(&comp)) {
      node.kind = NodeKind::kRouter;
      const double accept = g->expected_accept_share();
      add_edge(lp, node_of[g->accept().to], to_seconds(g->accept().latency), accept);
      add_edge(lp, node_of[g->escalate().to], to_seconds(g->escalate().latency), 1.0 - accept);
    } else {
      node.kind = NodeKind::kSink;
    }
    if (node.kind == NodeKind::kSource || node.kind == NodeKind::kStation) {
      if (links.empty()) {
        m.nodes[next_hidden].kind = NodeKind::kSink;
        m.nodes[next_hidden].first_edge = 0;
        add_edge(lp, next_hidden++, 0.0, 1.0);
      } else {
        add_edge(lp, node_of[links[0].to], to_seconds(links[0].latency), 1.0);
      }
    }
    node.edge_count = m.edge_count - node.first_edge;
  }
  // Hidden sinks come after every real node, so the order stays topological only if nothing
  // follows them: they have no edges, which holds.

  // The metrics: the network's headline metrics (its components' reports name them) that the
  // kernel estimates, in their order; the others are left to --backend des.
  map.price_per_hour = net.settings().price_per_hour;
  for (const auto& [metric, unused] : headline_metrics(net, NetworkRun{})) {
    if (auto source = mc_source_of(net, node_of, metric)) {
      map.metric_names.push_back(metric);
      map.metric_sources.push_back(*source);
    }
  }
  for (LpId lp = 0; lp < n; ++lp) {
    if (std::holds_alternative<Sink>(net.component(lp))) map.sink_nodes.push_back(node_of[lp]);
  }
  mc::validate(m);
  return map;
}

std::vector<double> McMapping::metrics(const mc::McResult& result, int point, int rep) const {
  double requests_per_s = 0;
  for (const int v : sink_nodes) requests_per_s += result.at(point, rep, v, mc::kSinkThroughput);
  double compute_dollars_per_s = 0;
  for (const auto& p : priced) {
    compute_dollars_per_s +=
        result.at(point, rep, p.node, mc::kStationBusyReplicas) * p.price_per_replica_hour / 3600.0;
  }
  const double nan = std::nan("");
  std::vector<double> out;
  out.reserve(metric_sources.size());
  for (const auto& s : metric_sources) {
    switch (s.kind) {
      case Source::Kind::kSlot:
        out.push_back(result.at(point, rep, s.node, s.slot));
        break;
      case Source::Kind::kSlotPerReplica:
        out.push_back(result.at(point, rep, s.node, s.slot) / s.divisor);
        break;
      case Source::Kind::kMakespan:
        out.push_back(model.end_s);
        break;
      case Source::Kind::kPricePerHour:
        out.push_back(price_per_hour);
        break;
      case Source::Kind::kCostPerMillion:
        out.push_back(requests_per_s > 0 ? price_per_hour / 3600.0 / requests_per_s * 1e6 : nan);
        break;
      case Source::Kind::kComputeCostPerMillion:
        out.push_back(requests_per_s > 0 ? compute_dollars_per_s / requests_per_s * 1e6 : nan);
        break;
    }
  }
  return out;
}

}  // namespace scalesim
