// Admission control: a router's token bucket (rate and burst) and a model server's queue limit
// (Triton's max_queue_size), with rejections counted in total and per request class.
#include <gtest/gtest.h>

#include <string>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"

namespace scalesim {
namespace {

std::string gateway(const std::string& limit, const std::string& sources,
                    bool rejected_sink = true) {
  return "name: gateway\nseed: 3\n" + sources +
         "  gate:\n    type: router\n    routes: [{to: api, probability: 1}]\n" + limit +
         "  api: {type: sink}\n" + (rejected_sink ? "  limited: {type: sink}\n" : "");
}

// A bucket of 3 tokens that refills too slowly to matter: of 5 requests 10 ms apart, the first 3
// pass and the last 2 are rejected, in order.
TEST(Admission, TokenBucketBurstPassesThenRejects) {
  const std::string y = gateway(
      "    rate_limit: {rate: 0.001/s, burst: 3}\n    on_reject: limited\n",
      "components:\n  users:\n    type: source\n    arrivals: {process: deterministic, rate: "
      "100/s}\n    customers: 5\n    to: gate\n");
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "burst.yaml"));
  simulate(net, 3);
  const auto& gate = net.get<Router>("gate");
  EXPECT_EQ(net.get<Sink>("api").arrived(), 3u);
  EXPECT_EQ(net.get<Sink>("limited").arrived(), 2u);
  EXPECT_EQ(gate.rejected(), 2u);
  EXPECT_DOUBLE_EQ(gate.admission().probability(), 0.4);
}

// Poisson traffic at 100/s from two classes (70 + 30) against a 30/s bucket of burst 10 for
// 2000 s. Tokens are conserved: at most burst + rate x T pass, and under this overload the bucket
// is nearly always empty, so at least 99.5% of rate x T pass. Both classes see the same blocking
// probability (Poisson arrivals see time averages), 0.7 of the arrivals, within 1% (each has
// >= 60,000 arrivals).
TEST(Admission, TokenBucketAdmitsItsRateAndTreatsClassesAlike) {
  const std::string y =
      gateway("    rate_limit: {rate: 30/s, burst: 10}\n",
              "end: {time: 2000s}\ncomponents:\n"
              "  web:\n    type: source\n    arrivals: {process: poisson, rate: 70/s}\n"
              "    to: gate\n"
              "  batch:\n    type: source\n    arrivals: {process: poisson, rate: 30/s}\n"
              "    to: gate\n",
              false);
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "rate.yaml"));
  const NetworkRun run = simulate(net, 3);
  const auto& gate = net.get<Router>("gate");
  const double passed = static_cast<double>(net.get<Sink>("api").arrived());
  const double t = to_seconds(run.end_time);
  EXPECT_LE(passed, 10 + 30 * t);
  EXPECT_GE(passed, 0.995 * 30 * t);
  const auto& a = gate.admission();
  const double web = a.probability_of_class(net.lp_of("web"));
  const double batch = a.probability_of_class(net.lp_of("batch"));
  EXPECT_NEAR(web, 0.7, 0.01);
  EXPECT_NEAR(batch, 0.7, 0.01);
  EXPECT_GT(a.arrivals_by_class()[net.lp_of("batch")], 55'000u);
  // Without on_reject the rejected requests are dropped: only the admitted reach a sink.
  EXPECT_EQ(gate.rejected() + net.get<Sink>("api").arrived(), a.measured_arrivals());
}

TEST(Admission, ConfigErrorsNameTheKey) {
  const std::string sources =
      "components:\n  users:\n    type: source\n    arrivals: {process: poisson, rate: 1/s}\n"
      "    customers: 5\n    to: gate\n";
  const auto error = [&](const std::string& limit) {
    try {
      QueueingNetwork::from_config(ConfigNode::load_string(gateway(limit, sources), "g.yaml"));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string orphan = error("    on_reject: limited\n");  // (limited is reachable)
  EXPECT_NE(orphan.find("on_reject needs a rate_limit"), std::string::npos) << orphan;
  EXPECT_NE(orphan.find("g.yaml:"), std::string::npos) << orphan;
  const std::string zero = error("    rate_limit: {rate: 0/s}\n");
  EXPECT_NE(zero.find("rate_limit.rate'"), std::string::npos) << zero;
  const std::string burst = error("    rate_limit: {rate: 5/s, burst: 0.5}\n");
  EXPECT_NE(burst.find("burst (the most tokens saved) lies in 1..10^12"), std::string::npos)
      << burst;
}

TEST(Admission, ModelServerQueueLimitErrorsNameTheKey) {
  const auto error = [](const std::string& extra) {
    const std::string y =
        "components:\n  src: {type: source, arrivals: {process: poisson, rate: 1/s}, customers: "
        "1, to: srv}\n  srv:\n    type: model_server\n    model: bert-base\n    gpu: "
        "V100-SXM2-16GB\n" +
        extra + "    to: out\n  out: {type: sink}\n  shed: {type: sink}\n";
    try {
      QueueingNetwork::from_config(ConfigNode::load_string(y, "srv.yaml"));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string orphan = error("    on_reject: shed\n");
  EXPECT_NE(orphan.find("on_reject needs dynamic_batching.max_queue_size"), std::string::npos)
      << orphan;
  const std::string zero = error("    dynamic_batching: {max_queue_size: 0}\n");
  EXPECT_NE(zero.find("max_queue_size must be at least 1"), std::string::npos) << zero;
  EXPECT_NE(zero.find(".dynamic_batching.max_queue_size'"), std::string::npos) << zero;
}

}  // namespace
}  // namespace scalesim
