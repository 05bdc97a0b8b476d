// Reported quantiles against exact ones: the sojourn time of M/M/1 is exponential with rate
// mu - lambda, so its q-quantile is -ln(1 - q) / (mu - lambda). Ten independent replications of
// 10^7 requests each (rho = 0.3, fixed seeds); the p50, p90 and p99 that a sink reports (from its
// histogram) must have the exact value inside the 99% Student-t interval across replications
// AND lie within 0.1% of it on average. (One run's sample p99 alone has a standard error of
// about 0.07% at 10^7 requests, so the 0.1% is asked of the mean of ten; the histogram's own
// error against the sample quantile is checked in tests/unit/stats_test.cc.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"
#include "tests/validation/replication_check.h"

namespace scalesim {
namespace {

TEST(QuantileValidation, MM1SojournQuantilesAtTenMillionRequests) {
  const double lambda = 0.3, mu = 1.0;
  const double qs[] = {0.5, 0.9, 0.99};
  Welford reported[3];
  for (std::uint64_t seed = 9900; seed < 9910; ++seed) {
    const std::string y =
        "seed: " + std::to_string(seed) +
        "\ncomponents:\n  src:\n    type: source\n    arrivals: {process: poisson, rate: " +
        std::to_string(lambda) +
        "/s}\n    customers: 10000000\n    to: q\n  q:\n    type: station\n    service: "
        "{distribution: exponential, mean: 1s}\n    to: done\n  done: {type: sink}\n";
    auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "mm1_quantiles"));
    simulate(net, seed);
    const auto& h = net.get<Sink>("done").histogram();
    ASSERT_EQ(h.count(), 10'000'000u);
    for (int i = 0; i < 3; ++i) reported[i].add(h.quantile(qs[i]) * 1e-9);
  }
  for (int i = 0; i < 3; ++i) {
    const double exact = -std::log(1 - qs[i]) / (mu - lambda);
    const auto ci = t_interval(reported[i], 0.99);
    const double rel = std::fabs(ci.mean - exact) / exact;
    validation::report_line(
        "  M/M/1 rho=0.3 sojourn p%-4g Expectation %.6g  Actual %.6g  99%% CI [%.6g, %.6g] (10 "
        "replications of 10^7)  rel.err %.4f%%\n",
        100 * qs[i], exact, ci.mean, ci.lower(), ci.upper(), 100 * rel);
    EXPECT_TRUE(ci.contains(exact)) << "p" << 100 * qs[i];
    EXPECT_LT(rel, 0.001) << "p" << 100 * qs[i];
  }
}

}  // namespace
}  // namespace scalesim
