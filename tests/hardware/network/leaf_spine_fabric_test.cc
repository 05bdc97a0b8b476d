// Leaf-spine fabric: path latency by hand, FIFO queueing at shared ports, ECMP, zones and
// oversubscription.
#include "hardware/network/leaf_spine_fabric.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace scalesim::hardware {
namespace {

constexpr double kTenGbE = 1.25e9;  // bytes/s
constexpr double k40Gbps = 5e9;

// 2 leaves x 4 hosts, 2 spines. A 1250-byte message takes 1000 ns on a host link and 250 ns
// on a spine link.
FabricSpec small_fabric(Forwarding forwarding = Forwarding::kStoreAndForward) {
  FabricSpec s;
  s.name = "small";
  s.hosts_per_leaf = 4;
  s.leaves = 2;
  s.spines = 2;
  s.host_link_bandwidth = kTenGbE;
  s.spine_link_bandwidth = k40Gbps;
  s.switch_latency = 500;
  s.link_latency = 100;
  s.host_latency = 1000;
  s.forwarding = forwarding;
  return s;
}

TEST(LeafSpineFabric, SameLeafStoreAndForward) {
  LeafSpineFabric f(small_fabric());
  // NIC 1000 + cable 100 + leaf 500 + downlink 1000 + cable 100 + receiving host 1000.
  EXPECT_EQ(f.unloaded_latency(0, 1, 1250), 3700);
  EXPECT_EQ(f.send(0, 0, 1, 1250, 7), 3700);
}

TEST(LeafSpineFabric, AcrossSpineStoreAndForward) {
  LeafSpineFabric f(small_fabric());
  // NIC 1000 + 100 | leaf 500 + uplink 250 + 100 | spine 500 + 250 + 100 |
  // leaf 500 + 1000 + 100 | host 1000.
  EXPECT_EQ(f.unloaded_latency(0, 5, 1250), 5400);
  EXPECT_EQ(f.send(0, 0, 5, 1250, 7), 5400);
  EXPECT_GT(f.unloaded_latency(0, 5, 1250), f.unloaded_latency(0, 1, 1250));
}

TEST(LeafSpineFabric, CutThroughForwardsTheHeadBeforeTheTailArrives) {
  LeafSpineFabric f(small_fabric(Forwarding::kCutThrough));
  // Same leaf: the downlink starts at head 100 + 500 but cannot finish before the tail
  // (1100) + 500; then cable 100 and host 1000.
  EXPECT_EQ(f.send(0, 0, 1, 1250, 7), 2700);
  // Across the spine each faster uplink is held back by the tail: 1600, 2200, then the
  // 10 Gb/s downlink runs from 1800 to 2800; + 100 + 1000.
  EXPECT_EQ(f.send(0, 2, 6, 1250, 7), 3900);
  EXPECT_EQ(f.unloaded_latency(2, 6, 1250), 3900);
}

TEST(LeafSpineFabric, MinLatencyIsAnEmptyMessageWithinOneLeaf) {
  LeafSpineFabric f(small_fabric());
  EXPECT_EQ(f.min_latency(), 100 + 500 + 100 + 1000);
  for (HostId a = 0; a < f.hosts(); ++a) {
    for (HostId b = 0; b < f.hosts(); ++b) {
      if (a != b) {
        EXPECT_GE(f.unloaded_latency(a, b, 0), f.min_latency());
      }
    }
  }
}

TEST(LeafSpineFabric, BackToBackMessagesQueueAtTheNic) {
  LeafSpineFabric f(small_fabric());
  EXPECT_EQ(f.send(0, 0, 1, 1250, 1), 3700);
  EXPECT_EQ(f.send(0, 0, 1, 1250, 1), 4700);  // one host-link serialisation later
  EXPECT_EQ(f.host_uplink(0).busy_until, 2000);
}

TEST(LeafSpineFabric, IncastQueuesAtTheReceiversDownlink) {
  LeafSpineFabric f(small_fabric());
  EXPECT_EQ(f.send(0, 1, 0, 1250, 1), 3700);
  EXPECT_EQ(f.send(0, 2, 0, 1250, 2), 4700);
  EXPECT_EQ(f.send(0, 3, 0, 1250, 3), 5700);
  EXPECT_EQ(f.leaf_downlink(0).busy_time, 3000);
}

TEST(LeafSpineFabric, SelfSendSkipsTheFabricAndBadHostsThrow) {
  LeafSpineFabric f(small_fabric());
  EXPECT_EQ(f.send(42, 3, 3, 1e6, 1), 42);
  EXPECT_EQ(f.host_uplink(3).busy_until, 0);
  EXPECT_THROW(f.send(0, 0, 8, 1, 1), std::out_of_range);
  EXPECT_THROW((void)f.unloaded_latency(8, 0, 1), std::out_of_range);
}

TEST(LeafSpineFabric, EcmpIsDeterministicAndSpreadsFlows) {
  FabricSpec spec = small_fabric();
  spec.spines = 4;
  const LeafSpineFabric a(spec);
  const LeafSpineFabric b(spec);
  std::array<int, 4> per_spine{};
  for (std::uint64_t flow = 0; flow < 4000; ++flow) {
    const std::uint32_t s = a.spine_for(flow);
    ASSERT_LT(s, 4u);
    ASSERT_EQ(s, b.spine_for(flow));  // another instance (another rank) agrees
    ASSERT_EQ(s, a.spine_for(flow));  // and so does a second call
    ++per_spine[s];
  }
  for (const int n : per_spine) {
    EXPECT_GT(n, 900);  // 1000 expected; the standard deviation is about 27
    EXPECT_LT(n, 1100);
  }
}

TEST(LeafSpineFabric, SendFollowsTheEcmpChoice) {
  LeafSpineFabric f(small_fabric());
  const std::uint64_t flow = 12345;
  const std::uint32_t spine = f.spine_for(flow);
  f.send(0, 0, 5, 1250, flow);
  EXPECT_GT(f.leaf_uplink(0, spine).busy_until, 0);
  EXPECT_EQ(f.leaf_uplink(0, 1 - spine).busy_until, 0);
  EXPECT_GT(f.spine_downlink(spine, 1).busy_until, 0);
  EXPECT_EQ(f.spine_downlink(1 - spine, 1).busy_until, 0);
}

// Two flow ids with the same spine and one with the other spine.
struct EcmpIds {
  std::uint64_t a, same, other;
};
EcmpIds ecmp_ids(const LeafSpineFabric& f) {
  EcmpIds ids{0, 0, 0};
  bool have_same = false;
  bool have_other = false;
  for (std::uint64_t id = 1; !(have_same && have_other); ++id) {
    if (f.spine_for(id) == f.spine_for(ids.a)) {
      if (!have_same) ids.same = id;
      have_same = true;
    } else {
      if (!have_other) ids.other = id;
      have_other = true;
    }
  }
  return ids;
}

TEST(LeafSpineFabric, EcmpCollisionQueuesOnTheSharedUplink) {
  FabricSpec spec = small_fabric();
  spec.spine_link_bandwidth = kTenGbE;  // every hop takes 1000 ns for 1250 bytes
  LeafSpineFabric collide(spec);
  LeafSpineFabric spread(spec);
  const EcmpIds ids = ecmp_ids(collide);
  // Alone: 4 hops of 1000 + 4 cables of 100 + 3 switches of 500 + host 1000.
  EXPECT_EQ(collide.send(0, 0, 4, 1250, ids.a), 6900);
  EXPECT_EQ(collide.send(0, 1, 5, 1250, ids.same), 7900);  // one serialisation behind
  EXPECT_EQ(spread.send(0, 0, 4, 1250, ids.a), 6900);
  EXPECT_EQ(spread.send(0, 1, 5, 1250, ids.other), 6900);  // disjoint paths
}

TEST(LeafSpineFabric, CrossZoneTrafficPaysTheZoneLatencyOnce) {
  FabricSpec spec = small_fabric();
  spec.zones = 2;  // leaf 0 in zone 0, leaf 1 in zone 1
  spec.cross_zone_latency = kMillisecond;
  LeafSpineFabric f(spec);
  EXPECT_EQ(f.zone_of(3), 0u);
  EXPECT_EQ(f.zone_of(4), 1u);
  EXPECT_EQ(f.send(0, 0, 1, 1250, 1), 3700);
  EXPECT_EQ(f.send(0, 2, 5, 1250, 1), 5400 + kMillisecond);
}

// Hosts 0..3 of leaf 0 each send 1.25 MB (1 ms on a 10 Gb/s host link) to hosts 4..7 of leaf
// 1 at time 0; latencies are zero so the times are serialisation and queueing alone.
SimTime shuffle_makespan(FabricSpec spec, const std::vector<std::uint64_t>& flows) {
  spec.switch_latency = 0;
  spec.link_latency = 0;
  spec.host_latency = 0;
  LeafSpineFabric f(spec);
  SimTime last = 0;
  for (HostId h = 0; h < 4; ++h) last = std::max(last, f.send(0, h, h + 4, 1.25e6, flows[h]));
  return last;
}

TEST(LeafSpineFabric, OversubscribedUplinksSlowACrossLeafShuffle) {
  const std::vector<std::uint64_t> flows = {0, 1, 2, 3};
  FabricSpec thin = small_fabric();  // one 10 Gb/s uplink for four 10 Gb/s hosts: 4:1
  thin.spines = 1;
  thin.spine_link_bandwidth = kTenGbE;
  FabricSpec fat = thin;  // one 40 Gb/s uplink: 1:1
  fat.spine_link_bandwidth = k40Gbps;
  ASSERT_DOUBLE_EQ(thin.oversubscription(), 4.0);
  ASSERT_DOUBLE_EQ(fat.oversubscription(), 1.0);
  // 4:1 -- the uplink sends one message per ms (done at 2, 3, 4, 5 ms), the spine's downlink
  // likewise (3..6 ms), then the host links (4..7 ms).
  EXPECT_EQ(shuffle_makespan(thin, flows), 7 * kMillisecond);
  // 1:1 -- the uplink takes 0.25 ms per message: arrivals at 2.5, 2.75, 3.0, 3.25 ms.
  EXPECT_EQ(shuffle_makespan(fat, flows), 3'250 * kMicrosecond);
}

TEST(LeafSpineFabric, NonBlockingSpinesWithDisjointFlowsMatchTheHostLinks) {
  FabricSpec four = small_fabric();  // four 10 Gb/s spines: 1:1 through ECMP
  four.spines = 4;
  four.spine_link_bandwidth = kTenGbE;
  ASSERT_DOUBLE_EQ(four.oversubscription(), 1.0);
  const LeafSpineFabric probe(four);
  std::vector<std::uint64_t> flows;
  std::vector<bool> used(4, false);
  for (std::uint64_t id = 0; flows.size() < 4; ++id) {
    if (!used[probe.spine_for(id)]) {
      used[probe.spine_for(id)] = true;
      flows.push_back(id);
    }
  }
  // Four independent paths of four 1 ms hops.
  EXPECT_EQ(shuffle_makespan(four, flows), 4 * kMillisecond);
}

}  // namespace
}  // namespace scalesim::hardware
