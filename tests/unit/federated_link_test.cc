// Federated rounds whose downloads and uploads share the server's link (max-min fair flows).
#include <gtest/gtest.h>

#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

// 100 identical devices (sigma 0), all selected every round, none dropping out.
std::string rounds(const std::string& link) {
  return "name: t\nseed: 3\ncomponents:\n  req: {type: source, arrivals: {process: deterministic, "
         "rate: 1/s}, customers: 1, to: fl}\n  fl:\n    type: federated_rounds\n"
         "    clients: 100\n    per_round: 100\n    rounds: 4\n    min_reports: 100\n"
         "    model_bytes: 100MB\n    compute: {median: 5s}\n    downlink: {median: 100MB/s}\n"
         "    uplink: {median: 50Mbps}\n" +
         link + "    to: done\n  done: {type: sink}\n";
}

double round_seconds(const std::string& link) {
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(rounds(link)));
  (void)simulate(net, 3);
  const auto& fl = net.get<FederatedRounds>("fl");
  EXPECT_EQ(fl.rounds_done(), 4u);
  return fl.round_time().mean();
}

TEST(FederatedServerLink, ASaturatedLinkIsSharedEquallyEachWay) {
  // Alone, a device downloads at 100 MB/s (1 s), trains 5 s and uploads at 6.25 MB/s (16 s).
  EXPECT_NEAR(round_seconds(""), 1 + 5 + 16, 1e-6);
  // A 1 GB/s server link gives each of the 100 downloads 10 MB/s (10 s); the uploads, capped
  // at 6.25 MB/s by the devices, fit in it and still take 16 s.
  EXPECT_NEAR(round_seconds("    server_link: 8Gbps\n"), 10 + 5 + 16, 1e-6);
  // 400 MB/s: 4 MB/s each way, 25 s down and 25 s up.
  EXPECT_NEAR(round_seconds("    server_link: 3.2Gbps\n"), 25 + 5 + 25, 1e-6);
  // A catalog NIC by name: 10 GbE is 1.25 GB/s, 12.5 MB/s per download (8 s).
  EXPECT_NEAR(round_seconds("    server_link: 10GbE\n"), 8 + 5 + 16, 1e-6);
}

TEST(FederatedServerLink, AnAmpleLinkChangesNothing) {
  // The template's phones: lognormal devices, over-selection, dropouts.
  const std::string base =
      "name: t\nseed: 5\ncomponents:\n  req: {type: source, arrivals: {process: deterministic, "
      "rate: 1/s}, customers: 1, to: fl}\n  fl:\n    type: federated_rounds\n"
      "    clients: 10000\n    per_round: 100\n    over_selection: 1.3\n    availability: 10%\n"
      "    dropout: 5%\n    rounds: 50\n    min_reports: 80\n    model_bytes: 20MB\n"
      "    compute: {median: 60s, sigma: 0.8}\n    downlink: {median: 20Mbps, sigma: 1.0}\n"
      "    uplink: {median: 5Mbps, sigma: 1.0}\n";
  auto run = [&](const std::string& link) {
    QueueingNetwork net = QueueingNetwork::from_config(
        ConfigNode::load_string(base + link + "    to: done\n  done: {type: sink}\n"));
    (void)simulate(net, 5);
    return net.get<FederatedRounds>("fl").round_time().mean();
  };
  const double free = run("");
  EXPECT_NEAR(run("    server_link: 1000Tbps\n"), free, 1e-6 * free);
  EXPECT_GT(run("    server_link: 100Mbps\n"), 1.5 * free);  // 130 x 20 MB through 12.5 MB/s
}

TEST(FederatedServerLink, UnknownNameIsAConfigError) {
  try {
    (void)QueueingNetwork::from_config(ConfigNode::load_string(rounds("    server_link: 10GE\n")));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("<string>:15:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean '10GbE'"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace scalesim
