#include "scalesim/parallel/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace scalesim {
namespace {

// A ring of n LPs where every third link has latency 0 and the others 1..5 us.
LpGraph ring(std::uint32_t n) {
  LpGraph g;
  g.lp_count = n;
  for (LpId i = 0; i < n; ++i) {
    const SimTime latency = i % 3 == 0 ? 0 : static_cast<SimTime>(1000 * (1 + i % 5));
    g.edges.push_back({i, (i + 1) % n, latency, 1.0});
  }
  return g;
}

TEST(Partition, MetisNeverCutsZeroLatencyEdgesAndReportsTheLookahead) {
  const LpGraph g = ring(600);
  for (std::uint32_t parts : {2u, 3u, 4u, 8u}) {
    const Partition p = partition_lps(g, parts, PartitionMethod::kMetis);
    SimTime min_cut = kTimeInfinity;
    for (const auto& e : g.edges) {
      if (p.part_of[e.from] == p.part_of[e.to]) continue;
      EXPECT_GT(e.min_latency, 0) << "cut a zero-latency edge";
      min_cut = std::min(min_cut, e.min_latency);
    }
    EXPECT_EQ(p.lookahead, min_cut);
    EXPECT_GE(p.lookahead, 1000);
    // Balanced within 10% (equal loads), and a ring cut into k arcs needs few cuts.
    for (auto n : p.lps_per_part()) EXPECT_NEAR(n, 600.0 / parts, 0.1 * 600.0 / parts);
    EXPECT_LE(p.cut_edges, 4u * parts);
    EXPECT_NE(p.report().find("lookahead"), std::string::npos);
  }
}

TEST(Partition, BlockCuttingAZeroLatencyEdgeNamesIt) {
  LpGraph h;
  h.lp_count = 4;
  h.lp_names = {"src", "queue", "server", "sink"};
  h.edges = {{0, 1, 1000, 1}, {1, 2, 0, 1}, {2, 3, 1000, 1}};
  try {
    partition_lps(h, 2, PartitionMethod::kBlock);
    FAIL() << "block partition cut queue -> server";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'queue' -> 'server' of latency 0"), std::string::npos)
        << e.what();
  }
  const Partition m = partition_lps(h, 2, PartitionMethod::kMetis);
  EXPECT_EQ(m.part_of[1], m.part_of[2]);
  EXPECT_EQ(m.lookahead, 1000);
}

TEST(Partition, AllToAllUsesBlocksAndItsLatency) {
  LpGraph g;
  g.lp_count = 10;
  g.all_to_all = true;
  g.all_to_all_latency = 100;
  const Partition p = partition_lps(g, 4, PartitionMethod::kMetis);
  EXPECT_EQ(p.lookahead, 100);
  EXPECT_TRUE(std::is_sorted(p.part_of.begin(), p.part_of.end()));
  EXPECT_EQ(p.lps_per_part(), (std::vector<std::uint32_t>{3, 2, 3, 2}));
}

TEST(Partition, MorePartsThanLpsLeavesPartsEmptyAndOnePartCutsNothing) {
  LpGraph g;
  g.lp_count = 2;
  g.edges = {{0, 1, 500, 1}};
  const Partition p = partition_lps(g, 4, PartitionMethod::kMetis);
  const auto n = p.lps_per_part();
  EXPECT_EQ(std::count(n.begin(), n.end(), 0u), 2);
  const Partition one = partition_lps(g, 1, PartitionMethod::kMetis);
  EXPECT_EQ(one.lookahead, kTimeInfinity);
  EXPECT_EQ(one.cut_edges, 0u);
}

TEST(Partition, AGraphThatCannotGainStaysInOnePart) {
  // source -> engine -> sink: when the engine carries nearly all the events, two parts would
  // take a tenth of the work off the busiest one and pay a synchronisation per window for it.
  LpGraph g;
  g.lp_count = 3;
  g.edges = {{0, 1, 1000, 1}, {1, 2, 1000, 1}};
  g.lp_load = {1, 20, 1};
  const Partition heavy = partition_lps(g, 2, PartitionMethod::kMetis);
  EXPECT_EQ(heavy.part_of, (std::vector<std::uint32_t>{0, 0, 0}));
  EXPECT_EQ(heavy.cut_edges, 0u);
  EXPECT_EQ(heavy.lookahead, kTimeInfinity);
  EXPECT_NE(heavy.method.find("one part"), std::string::npos) << heavy.method;
  // A station's load (an arrival and a departure per customer) against its source and sink:
  // halving the busiest part is worth the cut.
  g.lp_load = {1, 2, 1};
  const Partition even = partition_lps(g, 2, PartitionMethod::kMetis);
  EXPECT_NE(even.part_of[0], even.part_of[1]);
  EXPECT_GT(even.cut_edges, 0u);
}

}  // namespace
}  // namespace scalesim
