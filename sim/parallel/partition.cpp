#include "scalesim/parallel/partition.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "scalesim/config/units.h"

#ifdef SCALESIM_HAVE_METIS
#include <metis.h>
#endif

namespace scalesim {
namespace {

constexpr std::uint32_t kMinVerticesPerPartForMetis = 8;
// A cut costs a synchronisation per lookahead window whatever the parts hold; below this
// speed-up bound (total load over the busiest part's) the parts would mostly wait for each
// other, so the whole graph stays in one part. 1.5: splitting must take at least a third of
// the work off the busiest part. (A chain of three LPs where one carries 90% of the events
// ran 30 times slower on two ranks than on one.)
constexpr double kMinParallelGain = 1.5;

// Union-find over LPs, for contracting edges that may not be cut.
class DisjointSets {
 public:
  explicit DisjointSets(std::uint32_t n) : parent_(n) {
    std::iota(parent_.begin(), parent_.end(), 0u);
  }
  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void join(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);  // smallest id as root: deterministic
  }

 private:
  std::vector<std::uint32_t> parent_;
};

void finish(const LpGraph& g, Partition& p) {
  p.lookahead = kTimeInfinity;
  p.cut_edges = 0;
  p.cut_traffic = 0;
  p.total_traffic = 0;
  if (g.all_to_all) {
    if (p.parts > 1 && g.lp_count > 1) {
      // Some LP pair sits in different parts as soon as two parts are non-empty.
      const auto counts = p.lps_per_part();
      const auto nonempty =
          std::count_if(counts.begin(), counts.end(), [](auto c) { return c > 0; });
      if (nonempty > 1) p.lookahead = g.all_to_all_latency;
    }
    return;
  }
  for (const auto& e : g.edges) {
    p.total_traffic += e.traffic;
    if (p.part_of[e.from] == p.part_of[e.to]) continue;
    ++p.cut_edges;
    p.cut_traffic += e.traffic;
    if (e.min_latency <= 0) {
      throw std::invalid_argument("the partition cuts the edge " + g.name_of(e.from) + " -> " +
                                  g.name_of(e.to) +
                                  " of latency 0: no lookahead is possible across it (give the "
                                  "link a latency, or use --partition=metis, which never cuts it)");
    }
    p.lookahead = std::min(p.lookahead, e.min_latency);
  }
}

}  // namespace

std::string LpGraph::name_of(LpId lp) const {
  return lp < lp_names.size() ? "'" + lp_names[lp] + "'" : "LP " + std::to_string(lp);
}

PartitionMethod parse_partition_method(const std::string& name) {
  if (name == "metis") return PartitionMethod::kMetis;
  if (name == "block") return PartitionMethod::kBlock;
  throw std::invalid_argument("--partition must be metis or block, not '" + name + "'");
}

std::vector<std::uint32_t> Partition::lps_per_part() const {
  std::vector<std::uint32_t> n(parts, 0);
  for (auto p : part_of) ++n[p];
  return n;
}

std::string Partition::report() const {
  std::string s = "partition: " + method + ", " + std::to_string(parts) + " parts, LPs per part:";
  for (auto n : lps_per_part()) s += " " + std::to_string(n);
  s += total_traffic > 0 || cut_edges > 0 ? "; cut edges " + std::to_string(cut_edges)
                                          : "; all-to-all links";
  if (total_traffic > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (%.1f%% of traffic)", 100.0 * cut_traffic / total_traffic);
    s += buf;
  }
  s += "; lookahead " + (lookahead == kTimeInfinity ? std::string("unbounded (nothing cut)")
                                                    : format_duration(to_seconds(lookahead)));
  return s;
}

Partition partition_lps(const LpGraph& g, std::uint32_t parts, PartitionMethod method,
                        SimTime lookahead_floor) {
  if (parts == 0) throw std::invalid_argument("cannot partition into 0 parts");
  Partition p;
  p.parts = parts;
  p.part_of.assign(g.lp_count, 0);
  const auto block = [&] {
    p.method = "block";
    for (LpId lp = 0; lp < g.lp_count; ++lp) {
      p.part_of[lp] =
          static_cast<std::uint32_t>(std::uint64_t{lp} * parts / std::max(g.lp_count, 1u));
    }
  };
  if (parts == 1 || g.lp_count == 0) {
    p.method = "single";
  } else if (method == PartitionMethod::kBlock || g.all_to_all) {
    block();
    if (g.all_to_all && method == PartitionMethod::kMetis)
      p.method = "block (uniform all-to-all traffic)";
  } else {
    // Contract edges below the floor into super-vertices that move as one.
    SimTime floor = lookahead_floor;
    if (floor <= 0) {
      floor = kTimeInfinity;
      for (const auto& e : g.edges) {
        if (e.min_latency > 0) floor = std::min(floor, e.min_latency);
      }
    }
    DisjointSets sets(g.lp_count);
    for (const auto& e : g.edges) {
      if (e.min_latency < floor) sets.join(e.from, e.to);
    }
    std::vector<std::uint32_t> super(g.lp_count), root_index(g.lp_count, UINT32_MAX);
    std::uint32_t n_super = 0;
    for (LpId lp = 0; lp < g.lp_count; ++lp) {
      const auto r = sets.find(lp);
      if (root_index[r] == UINT32_MAX) root_index[r] = n_super++;
      super[lp] = root_index[r];
    }
    std::vector<std::uint32_t> super_part(n_super, 0);
    std::vector<double> load(n_super, 0.0);
    for (LpId lp = 0; lp < g.lp_count; ++lp)
      load[super[lp]] += g.lp_load.empty() ? 1.0 : g.lp_load[lp];
#ifdef SCALESIM_HAVE_METIS
    // METIS balances poorly on graphs of a few vertices per part (it may leave parts empty);
    // below that size the greedy balance further down does better.
    if (n_super >= kMinVerticesPerPartForMetis * parts) {
      p.method = "metis";
      // CSR adjacency of the contracted, symmetrised graph; weights as METIS integers.
      std::vector<std::vector<std::pair<std::uint32_t, double>>> adj(n_super);
      for (const auto& e : g.edges) {
        const auto a = super[e.from], b = super[e.to];
        if (a == b) continue;
        adj[a].emplace_back(b, e.traffic);
        adj[b].emplace_back(a, e.traffic);
      }
      double max_traffic = 1e-300, max_load = 1e-300;
      for (const auto& e : g.edges) max_traffic = std::max(max_traffic, e.traffic);
      for (double l : load) max_load = std::max(max_load, l);
      std::vector<idx_t> xadj{0}, adjncy, adjwgt, vwgt;
      for (std::uint32_t v = 0; v < n_super; ++v) {
        auto& row = adj[v];
        std::sort(row.begin(), row.end());
        for (std::size_t i = 0; i < row.size();) {  // merge parallel edges
          double w = 0;
          std::size_t j = i;
          for (; j < row.size() && row[j].first == row[i].first; ++j) w += row[j].second;
          adjncy.push_back(static_cast<idx_t>(row[i].first));
          adjwgt.push_back(static_cast<idx_t>(1 + std::llround(1000.0 * w / max_traffic)));
          i = j;
        }
        xadj.push_back(static_cast<idx_t>(adjncy.size()));
        vwgt.push_back(static_cast<idx_t>(1 + std::llround(1000.0 * load[v] / max_load)));
      }
      idx_t nv = static_cast<idx_t>(n_super), ncon = 1, np = static_cast<idx_t>(parts), objval = 0;
      std::vector<idx_t> out(n_super, 0);
      idx_t options[METIS_NOPTIONS];
      METIS_SetDefaultOptions(options);
      options[METIS_OPTION_SEED] = 1;  // same partition on every rank and every run
      const int rc =
          METIS_PartGraphKway(&nv, &ncon, xadj.data(), adjncy.data(), vwgt.data(), nullptr,
                              adjwgt.data(), &np, nullptr, nullptr, options, &objval, out.data());
      if (rc != METIS_OK)
        throw std::runtime_error("METIS_PartGraphKway failed with code " + std::to_string(rc));
      for (std::uint32_t v = 0; v < n_super; ++v)
        super_part[v] = static_cast<std::uint32_t>(out[v]);
    } else
#endif
    {
      // Few groups (or no METIS): longest-processing-time greedy balance of the groups' loads,
      // ties to the lowest part, so the result is deterministic.
      p.method = "greedy balance";
      std::vector<std::uint32_t> order(n_super);
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(),
                       [&](auto a, auto b) { return load[a] > load[b]; });
      std::vector<double> part_load(parts, 0.0);
      for (auto v : order) {
        const auto best = static_cast<std::uint32_t>(
            std::min_element(part_load.begin(), part_load.end()) - part_load.begin());
        super_part[v] = best;
        part_load[best] += load[v];
      }
    }
    std::vector<double> part_load(parts, 0.0);
    double total = 0;
    for (std::uint32_t v = 0; v < n_super; ++v) {
      part_load[super_part[v]] += load[v];
      total += load[v];
    }
    const double busiest = *std::max_element(part_load.begin(), part_load.end());
    if (busiest > 0 && total / busiest < kMinParallelGain) {
      char buf[96];
      std::snprintf(buf, sizeof buf, " bound to gain %.2fx: one part", total / busiest);
      p.method += buf;
      std::fill(super_part.begin(), super_part.end(), 0u);
    }
    for (LpId lp = 0; lp < g.lp_count; ++lp) p.part_of[lp] = super_part[super[lp]];
  }
  finish(g, p);
  return p;
}

}  // namespace scalesim
