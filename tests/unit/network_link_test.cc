// The `link` component: scheduled outages, requests held until the link is back or lost.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

// 30,000 Poisson requests at 500/s (about 60 s) over a link with outages [10 s, 20 s) and
// [40 s, 42 s), into a fast station.
QueueingNetwork link_network(
    const std::string& policy,
    const std::string& outages = "[{at: 10s, for: 10s}, {at: 40s, for: 2s}]") {
  return QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\nseed: 4\nend: {time: 1000s}\ncomponents:\n"
      "  src: {type: source, arrivals: {process: poisson, rate: 500/s}, customers: 30000, to: "
      "wan}\n"
      "  wan: {type: link, to: {component: q, latency: 1ms}, outages: " +
      outages + ", in_flight: " + policy +
      "}\n"
      "  q: {type: station, servers: 64, service: {distribution: deterministic, value: 1ms}, to: "
      "done}\n"
      "  done: {type: sink}\n"));
}

TEST(NetworkLink, HoldsRequestsUntilTheLinkIsBack) {
  QueueingNetwork net = link_network("hold");
  const NetworkRun run = simulate(net, 4);
  const auto& wan = net.get<NetworkLink>("wan");
  // 12 s of outage at 500/s: Poisson count 6000, sd 77; 4 sd.
  EXPECT_NEAR(static_cast<double>(wan.held()), 6000.0, 310.0);
  EXPECT_EQ(wan.dropped(), 0u);
  // A request held at a uniform time in an outage of length d waits d/2 on average; over both
  // outages weighted by length: (10^2 + 2^2) / 2 / 12 = 4.33 s. The mean of ~6000 uniform waits
  // has sd below 0.04 s; 4 sd.
  EXPECT_NEAR(wan.held_time().mean(), 104.0 / 24.0, 0.16);
  // Every request arrives, and none before its link was up again.
  EXPECT_EQ(net.get<Sink>("done").arrived(), 30000u);
  EXPECT_NEAR(wan.availability(run.end_time), 1.0 - 12.0 / to_seconds(run.end_time), 1e-12);
}

TEST(NetworkLink, FailPolicyLosesAndCountsThem) {
  QueueingNetwork net = link_network("fail");
  simulate(net, 4);
  const auto& wan = net.get<NetworkLink>("wan");
  EXPECT_EQ(wan.held(), 0u);
  EXPECT_NEAR(static_cast<double>(wan.dropped()), 6000.0, 310.0);
  EXPECT_EQ(net.get<Sink>("done").arrived() + wan.dropped(), 30000u);
  // The same draws as the hold run: exactly the requests that hold would have held are lost.
  QueueingNetwork held = link_network("hold");
  simulate(held, 4);
  EXPECT_EQ(wan.dropped(), held.get<NetworkLink>("wan").held());
}

TEST(NetworkLink, ConfigErrorsNameTheKey) {
  auto error = [](const std::string& policy, const std::string& outages) {
    try {
      (void)link_network(policy, outages);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("hold", "[{at: 10s, for: 10s}, {at: 15s, for: 2s}]").find("must not overlap"),
            std::string::npos);
  EXPECT_NE(error("hold", "[{at: 10s, for: 0s}]").find("longer than zero"), std::string::npos);
  EXPECT_NE(error("drop", "[]").find("must be hold or fail"), std::string::npos);
  EXPECT_NE(error("hold", "[{at: 10s, fr: 1s}]").find("did you mean 'for'"), std::string::npos);
  EXPECT_EQ(error("hold", "[]"), "");
}

}  // namespace
}  // namespace scalesim
