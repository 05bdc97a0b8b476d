// The training all-reduce played as flows: the ring formula on an idle fabric, and the slow-down
// where the fabric is shared or oversubscribed.
#include "hardware/network/collective.h"

#include <gtest/gtest.h>

#include "hardware/gpu/gpu_performance.h"

namespace scalesim::hardware {
namespace {

// Each simulated step ends on a whole nanosecond.
constexpr double kPerStep = 1e-9;

TEST(AllReduce, InsideANodeItIsTheRingFormulaOnAnIdleFabric) {
  for (const int g : {2, 4, 8, 16}) {
    TrainingCluster c;
    c.gpus_per_node = g;
    c.gpu_link_bandwidth = 150e9;
    c.gpu_link_latency = 2e-6;
    const AllReduceTime t = simulate_allreduce(c, 1.34e9);
    EXPECT_NEAR(t.intra_node, ring_allreduce_time(1.34e9, g, 0.8 * 150e9, 2e-6),
                2.0 * (g - 1) * kPerStep)
        << g;
    EXPECT_EQ(t.inter_node, 0.0);
  }
  TrainingCluster one;
  one.gpus_per_node = 1;
  EXPECT_EQ(simulate_allreduce(one, 1e9).total(), 0.0);
}

TEST(AllReduceAcrossNodes, EachGpuRingsItsShardThroughTheSharedNic) {
  TrainingCluster c;
  c.nodes = 4;
  c.gpus_per_node = 8;
  c.gpu_link_bandwidth = 300e9;
  c.nic_bandwidth = 12.5e9;
  c.nic_latency = 5e-6;
  const double bytes = 1e9;
  const AllReduceTime t = simulate_allreduce(c, bytes);
  // The 8 shards share the NIC: each ring runs at 1/8 of it.
  EXPECT_NEAR(t.inter_node, ring_allreduce_time(bytes / 8, 4, 0.8 * 12.5e9 / 8, 5e-6),
              6 * kPerStep);
  EXPECT_NEAR(t.intra_node, ring_allreduce_time(bytes, 8, 0.8 * 300e9, 0.0), 14 * kPerStep);
}

TEST(AllReduceAcrossNodes, AnOversubscribedLeafUplinkSlowsTheRing) {
  TrainingCluster c;
  c.nodes = 8;
  c.gpus_per_node = 4;
  c.gpu_link_bandwidth = 300e9;
  c.nic_bandwidth = 25e9;
  c.nodes_per_leaf = 4;
  c.leaf_uplink_bandwidth = 100e9;  // 4 x 25 Gb/s down, 100 up: non-blocking
  const double fast = simulate_allreduce(c, 1e9).inter_node;
  EXPECT_NEAR(fast, ring_allreduce_time(1e9 / 4, 8, 0.8 * 25e9 / 4, 0.0), 14 * kPerStep);
  // 4:1 oversubscribed: the ring's crossing between leaves carries the 4 shards on a quarter
  // of a NIC's worth of uplink: every step waits for those flows, 4x slower.
  c.leaf_uplink_bandwidth = 6.25e9;
  const double slow = simulate_allreduce(c, 1e9).inter_node;
  EXPECT_NEAR(slow / fast, 4.0, 1e-6);
}

TEST(AllReduce, BadClustersAreErrors) {
  TrainingCluster c;
  c.gpus_per_node = 0;
  EXPECT_THROW((void)simulate_allreduce(c, 1e9), std::invalid_argument);
  c.gpus_per_node = 2;
  EXPECT_THROW((void)simulate_allreduce(c, 1e9), std::invalid_argument);  // no link bandwidth
  c.gpu_link_bandwidth = 1e9;
  EXPECT_THROW((void)simulate_allreduce(c, -1), std::invalid_argument);
}

}  // namespace
}  // namespace scalesim::hardware
