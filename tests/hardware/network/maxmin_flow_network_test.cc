// Max-min fair sharing: textbook allocations, completion times computed by hand, and the
// max-min conditions checked on a pseudo-random network.
#include "hardware/network/maxmin_flow_network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace scalesim::hardware {
namespace {

using LinkId = FlowNetwork::LinkId;

FlowRequest flow(std::vector<LinkId> path, double bytes = 1.0, SimTime arrival = 0,
                 double max_rate = FlowNetwork::kUnlimited) {
  return FlowRequest{arrival, bytes, std::move(path), max_rate};
}

TEST(MaxMinRates, ThreeFlowsOverTwoLinksGetFiveEach) {
  // Link A (10) carries f1 and f2; link B (10) carries f2 and f3.
  const std::vector<double> caps = {10, 10};
  const std::vector<FlowRequest> flows = {flow({0}), flow({0, 1}), flow({1})};
  const auto r = max_min_rates(caps, flows);
  EXPECT_DOUBLE_EQ(r[0], 5.0);
  EXPECT_DOUBLE_EQ(r[1], 5.0);
  EXPECT_DOUBLE_EQ(r[2], 5.0);
}

TEST(MaxMinRates, ABottleneckElsewhereLeavesCapacityToOthers) {
  // A (10): f1, f2, f3. B (4): f3, f4. B saturates first at 2 per flow; f1 and f2 then share
  // the 8 left on A.
  const std::vector<double> caps = {10, 4};
  const std::vector<FlowRequest> flows = {flow({0}), flow({0}), flow({0, 1}), flow({1})};
  const auto r = max_min_rates(caps, flows);
  EXPECT_DOUBLE_EQ(r[0], 4.0);
  EXPECT_DOUBLE_EQ(r[1], 4.0);
  EXPECT_DOUBLE_EQ(r[2], 2.0);
  EXPECT_DOUBLE_EQ(r[3], 2.0);
}

TEST(MaxMinRates, ParkingLotSplitsEveryLinkInHalf) {
  // A long flow over three unit links, and one short flow on each link.
  const std::vector<double> caps = {1, 1, 1};
  const std::vector<FlowRequest> flows = {flow({0, 1, 2}), flow({0}), flow({1}), flow({2})};
  for (const double r : max_min_rates(caps, flows)) EXPECT_DOUBLE_EQ(r, 0.5);
}

TEST(MaxMinRates, PerFlowCapsFreeCapacityForUncappedFlows) {
  const std::vector<double> caps = {10};
  const std::vector<FlowRequest> flows = {flow({0}, 1, 0, 2.0), flow({0}, 1, 0, 2.0),
                                          flow({0}, 1, 0, 2.0), flow({0})};
  const auto r = max_min_rates(caps, flows);
  EXPECT_DOUBLE_EQ(r[0], 2.0);
  EXPECT_DOUBLE_EQ(r[1], 2.0);
  EXPECT_DOUBLE_EQ(r[2], 2.0);
  EXPECT_DOUBLE_EQ(r[3], 4.0);
}

TEST(FlowNetwork, SingleFlowTakesSizeOverCapacity) {
  const std::vector<double> caps = {1e9};
  const std::vector<FlowRequest> flows = {flow({0}, 5e8), flow({0}, 5e8, 2 * kSecond)};
  const auto done = simulate_flows(caps, flows);
  EXPECT_EQ(done[0], 500 * kMillisecond);
  EXPECT_EQ(done[1], 2'500 * kMillisecond);
}

TEST(FlowNetwork, CompletionFreesCapacityForTheOthers) {
  // A (10) carries f1 (4 bytes, also on B) and f2 (26 bytes); B (2) holds f1 to 2, so f2 runs
  // at 8. f1 ends at 2 s; f2 has 10 bytes left and finishes them at 10/s: 3 s.
  FlowNetwork net;
  const LinkId a = net.add_link(10);
  const LinkId b = net.add_link(2);
  const std::vector<LinkId> both = {a, b};
  const std::vector<LinkId> only_a = {a};
  const auto f1 = net.start_flow(0, 4, both);
  const auto f2 = net.start_flow(0, 26, only_a);
  EXPECT_DOUBLE_EQ(net.rate(f1), 2.0);
  EXPECT_DOUBLE_EQ(net.rate(f2), 8.0);
  EXPECT_EQ(net.next_completion(), 2 * kSecond);
  net.advance(2 * kSecond);
  EXPECT_FALSE(net.active(f1));
  EXPECT_EQ(net.completion_time(f1), 2 * kSecond);
  EXPECT_DOUBLE_EQ(net.rate(f2), 10.0);
  net.run_to_completion();
  EXPECT_EQ(net.completion_time(f2), 3 * kSecond);
  EXPECT_EQ(net.active_flows(), 0u);
}

TEST(FlowNetwork, ALateArrivalHalvesTheRate) {
  // One link of 10 B/s. f1 (30 B) alone for 1 s sends 10 B; with f2 (10 B) both get 5 B/s,
  // so f2 ends at 3 s, when f1 has 10 B left, which it sends alone by 4 s.
  const std::vector<double> caps = {10};
  const std::vector<FlowRequest> flows = {flow({0}, 30), flow({0}, 10, kSecond)};
  const auto done = simulate_flows(caps, flows);
  EXPECT_EQ(done[1], 3 * kSecond);
  EXPECT_EQ(done[0], 4 * kSecond);
}

TEST(FlowNetwork, CompletionOrderAndTimesByHand) {
  // One link of 30 B/s, flows of 10, 20 and 30 B at time 0. All run at 10 until f1 ends at
  // 1 s; f2 and f3 then run at 15, so f2's last 10 B take 2/3 s; f3 then has 10 B left alone
  // at 30 B/s: it ends at 2 s, which is also 60 B / 30 B/s (the link never idles).
  const std::vector<double> caps = {30};
  const std::vector<FlowRequest> flows = {flow({0}, 30), flow({0}, 10), flow({0}, 20)};
  const auto done = simulate_flows(caps, flows);
  EXPECT_EQ(done[1], kSecond);
  EXPECT_NEAR(static_cast<double>(done[2]), 1'666'666'667.0, 1.0);
  EXPECT_NEAR(static_cast<double>(done[0]), 2'000'000'000.0, 1.0);
  EXPECT_LT(done[1], done[2]);
  EXPECT_LT(done[2], done[0]);
}

TEST(FlowNetwork, ZeroByteFlowsFinishAtOnceAndBadInputThrows) {
  FlowNetwork net;
  const LinkId a = net.add_link(1);
  const std::vector<LinkId> path = {a};
  const auto f = net.start_flow(5, 0, path);
  EXPECT_FALSE(net.active(f));
  EXPECT_EQ(net.completion_time(f), 5);
  EXPECT_THROW(net.add_link(0), std::invalid_argument);
  EXPECT_THROW(net.start_flow(4, 1, path), std::invalid_argument);  // the past
  const std::vector<LinkId> unknown = {7};
  EXPECT_THROW(net.start_flow(5, 1, unknown), std::invalid_argument);
  EXPECT_THROW(net.start_flow(5, 1, {}), std::invalid_argument);  // nothing limits it
  EXPECT_THROW(net.start_flow(5, -1, path), std::invalid_argument);
  EXPECT_NO_THROW(net.start_flow(5, 1, {}, 1.0));  // its own cap bounds it
}

// Checks the two conditions that define the max-min allocation: no link is over capacity,
// and each flow is either at its own cap or crosses a saturated link where nobody is faster.
TEST(FlowNetwork, RandomNetworksSatisfyTheMaxMinConditions) {
  std::uint64_t state = 42;
  const auto next = [&state](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  for (int trial = 0; trial < 20; ++trial) {
    FlowNetwork net;
    const int links = 8;
    for (int l = 0; l < links; ++l) net.add_link(1.0 + static_cast<double>(next(100)));
    std::vector<FlowNetwork::FlowId> ids;
    std::vector<std::vector<LinkId>> paths;
    std::vector<double> caps;
    for (int i = 0; i < 30; ++i) {
      std::vector<LinkId> path;
      const auto hops = 1 + next(3);
      for (std::uint64_t h = 0; h < hops; ++h) {
        const auto l = static_cast<LinkId>(next(links));
        if (std::find(path.begin(), path.end(), l) == path.end()) path.push_back(l);
      }
      const double cap =
          next(4) == 0 ? 0.5 + static_cast<double>(next(10)) : FlowNetwork::kUnlimited;
      ids.push_back(net.start_flow(0, FlowNetwork::kUnlimited, path, cap));
      paths.push_back(path);
      caps.push_back(cap);
    }
    for (LinkId l = 0; l < links; ++l) {
      EXPECT_LE(net.link_load(l), net.link_capacity(l) * (1 + 1e-9));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const double r = net.rate(ids[i]);
      EXPECT_GT(r, 0.0);
      bool bottlenecked = r >= caps[i] * (1 - 1e-9);
      for (const LinkId l : paths[i]) {
        if (net.link_load(l) < net.link_capacity(l) * (1 - 1e-9)) continue;
        bool fastest = true;
        for (std::size_t j = 0; j < ids.size(); ++j) {
          const bool shares = std::find(paths[j].begin(), paths[j].end(), l) != paths[j].end();
          if (shares && net.rate(ids[j]) > r * (1 + 1e-9)) fastest = false;
        }
        bottlenecked = bottlenecked || fastest;
      }
      EXPECT_TRUE(bottlenecked) << "trial " << trial << " flow " << i;
    }
  }
}

}  // namespace
}  // namespace scalesim::hardware
