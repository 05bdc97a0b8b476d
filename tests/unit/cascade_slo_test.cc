// The cascade gate's confidence distribution, and SLO targets as configs write them.
#include <gtest/gtest.h>

#include <cmath>

#include "models/patterns/confidence_score.h"
#include "models/patterns/slo.h"
#include "models/queueing/queueing_network.h"
#include "scalesim/stats/welford.h"

namespace scalesim {
namespace {

TEST(Confidence, BetaSamplesHaveTheBetaMeanAndVariance) {
  for (const auto& [a, b] : {std::pair{7.2, 1.0}, std::pair{0.5, 0.5}, std::pair{2.0, 5.0}}) {
    const ConfidenceScoreDistribution d(a, b);
    LpRandom rng(42, 3);
    Welford w;
    constexpr int kSamples = 200000;
    for (int i = 0; i < kSamples; ++i) {
      const double x = d.sample(rng);
      ASSERT_GE(x, 0.0);
      ASSERT_LE(x, 1.0);
      w.add(x);
    }
    const double mean = a / (a + b);
    const double var = a * b / ((a + b) * (a + b) * (a + b + 1));
    // Mean within 5 standard errors; variance within 2%.
    EXPECT_NEAR(w.mean(), mean, 5 * std::sqrt(var / kSamples)) << a << "," << b;
    EXPECT_NEAR(w.variance(), var, 0.02 * var) << a << "," << b;
  }
}

TEST(Confidence, SurvivalMatchesClosedForms) {
  // Beta(a, 1): P(X >= t) = 1 - t^a; uniform: 1 - t.
  const ConfidenceScoreDistribution d(7.2, 1);
  for (double t : {0.1, 0.5, 0.8, 0.95}) EXPECT_NEAR(d.survival(t), 1 - std::pow(t, 7.2), 1e-12);
  const ConfidenceScoreDistribution u(1, 1);
  EXPECT_NEAR(u.survival(0.3), 0.7, 1e-12);
  EXPECT_EQ(d.survival(0), 1.0);
  EXPECT_EQ(d.survival(1), 0.0);
}

SloSpec slo(const std::string& target, const std::string& metric = "done.p99_latency_s") {
  return SloSpec::from_config(
      ConfigNode::load_string("{metric: " + metric + ", target: \"" + target + "\"}"));
}

TEST(Slo, TargetsParseWithTheirUnits) {
  EXPECT_DOUBLE_EQ(slo("< 50ms").target, 0.05);
  EXPECT_EQ(slo("< 50ms").op, SloSpec::Op::kLess);
  EXPECT_DOUBLE_EQ(slo(">= 1000/s").target, 1000);
  EXPECT_EQ(slo(">= 1000/s").op, SloSpec::Op::kGreaterEqual);
  EXPECT_DOUBLE_EQ(slo(">= 80%").target, 0.8);
  EXPECT_DOUBLE_EQ(slo("<= $1.5").target, 1.5);
  EXPECT_DOUBLE_EQ(slo("> 2").target, 2);
  EXPECT_DOUBLE_EQ(slo("< 5min").target, 300);
  EXPECT_TRUE(slo("< 50ms").met_by(0.049));
  EXPECT_FALSE(slo("< 50ms").met_by(0.05));
  EXPECT_TRUE(slo("<= 50ms").met_by(0.05));
  EXPECT_FALSE(slo("> 2").met_by(std::nan("")));
  EXPECT_THROW(slo("50ms"), ConfigError);  // no comparison
  EXPECT_THROW(slo("< 50 parsecs"), ConfigError);
}

TEST(Slo, UnknownMetricIsAConfigErrorWithASuggestion) {
  const std::string yaml =
      "name: t\nend: {time: 1s}\nslos:\n  - {metric: done.p99_latncy_s, target: \"< 1s\"}\n"
      "components:\n  src: {type: source, arrivals: {process: poisson, rate: 10/s}, to: done}\n"
      "  done: {type: sink}\n";
  try {
    (void)QueueingNetwork::from_config(ConfigNode::load_string(yaml));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("<string>:4:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'done.p99_latency_s'"), std::string::npos) << msg;
  }
}

TEST(CascadeGate, ConfigErrors) {
  auto build = [](const std::string& gate) {
    return QueueingNetwork::from_config(ConfigNode::load_string(
        "name: t\nend: {time: 1s}\ncomponents:\n  src: {type: source, arrivals: {process: "
        "poisson, rate: 10/s}, to: g}\n  g: " +
        gate + "\n  a: {type: sink}\n  b: {type: sink}\n"));
  };
  EXPECT_NO_THROW(
      build("{type: cascade_gate, confidence: {distribution: uniform}, threshold: 0.5, "
            "accept: a, escalate: b}"));
  EXPECT_THROW(build("{type: cascade_gate, confidence: {distribution: uniform}, threshold: 1.5, "
                     "accept: a, escalate: b}"),
               ConfigError);
  EXPECT_THROW(build("{type: cascade_gate, confidence: {distribution: betta, alpha: 1, beta: 1}, "
                     "threshold: 0.5, accept: a, escalate: b}"),
               ConfigError);
  EXPECT_THROW(build("{type: cascade_gate, confidence: {distribution: uniform}, threshold: 0.5, "
                     "accept: a, escalate: c}"),
               ConfigError);
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

TEST(NetworkWiring, AComponentNothingLeadsToIsAConfigError) {
  const std::string yaml =
      "name: t\nend: {time: 1s}\ncomponents:\n  src: {type: source, arrivals: {process: "
      "poisson, rate: 10/s}, to: done}\n  orphan: {type: station, service: {distribution: "
      "exponential, mean: 1ms}, to: done}\n  done: {type: sink}\n";
  try {
    (void)QueueingNetwork::from_config(ConfigNode::load_string(yaml));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("<string>:5:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("component 'orphan' is unreachable"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

TEST(NetworkWiring, RoundRobinSplitsExactlyByWeight) {
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\ncomponents:\n  src: {type: source, arrivals: {process: poisson, rate: 100/s}, "
      "customers: 1000, to: lb}\n  lb: {type: router, policy: round_robin, routes: [{to: a, "
      "probability: 0.5}, {to: b, probability: 0.3}, {to: c, probability: 0.2}]}\n"
      "  a: {type: sink}\n  b: {type: sink}\n  c: {type: sink}\n"));
  (void)simulate(net, 1);
  // Smooth weighted round robin hands out exactly 5:3:2 in every block of ten.
  EXPECT_EQ(net.get<Router>("lb").sent(), (std::vector<std::uint64_t>{500, 300, 200}));
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

double balanced_latency(const std::string& policy) {
  const bool by_load = policy != "random";
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\ncomponents:\n  src: {type: source, arrivals: {process: poisson, rate: 250/s}, "
      "customers: 200000, to: lb}\n  lb: {type: router, policy: " +
      policy + ", routes: [{to: fast, probability: 0.5}, {to: slow, probability: 0.5}]" +
      (by_load ? ", out: done" : "") +
      "}\n  fast: {type: station, service: {distribution: exponential, mean: 1ms}, to: " +
      (by_load ? "lb" : "done") +
      "}\n  slow: {type: station, service: {distribution: exponential, mean: 3ms}, to: " +
      (by_load ? "lb" : "done") + "}\n  done: {type: sink}\n"));
  (void)simulate(net, 9);
  EXPECT_EQ(net.get<Sink>("done").arrived(), 200000u) << policy;  // every answer comes out
  const auto& sent = net.get<Router>("lb").sent();
  EXPECT_GT(sent[1], 0u) << policy;  // the slow backend still gets work
  return net.get<Sink>("done").latency().mean();
}

TEST(NetworkWiring, BalancingByLoadBeatsRandomOnUnequalBackends) {
  const double random = balanced_latency("random");
  const double p2c = balanced_latency("power_of_two");
  const double least = balanced_latency("least_outstanding");
  // Random splits 50/50 (the slow one at utilisation 0.375); the load-aware policies send more
  // to the fast backend. Least outstanding sees every backend, power of two only two (here both).
  EXPECT_LT(least, 0.8 * random);
  EXPECT_LT(p2c, 0.8 * random);
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

std::string by_class_network(const std::string& routes) {
  return "name: t\ncomponents:\n  web: {type: source, arrivals: {process: poisson, rate: 100/s}, "
         "customers: 3000, to: shared}\n  app: {type: source, arrivals: {process: poisson, rate: "
         "40/s}, customers: 1000, to: shared}\n  batch: {type: source, arrivals: {process: "
         "poisson, rate: 10/s}, customers: 500, to: shared}\n  shared: {type: station, servers: "
         "2, service: {distribution: exponential, mean: 2ms}, to: split}\n  split: {type: router, "
         "policy: by_class, routes: " +
         routes + "}\n  a: {type: sink}\n  b: {type: sink}\n";
}

TEST(NetworkWiring, ByClassSendsEveryRequestBackToItsOwnSystem) {
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      by_class_network("[{to: a, classes: [web, batch]}, {to: b, classes: [app]}]")));
  (void)simulate(net, 3);
  EXPECT_EQ(net.get<Router>("split").sent(), (std::vector<std::uint64_t>{3500, 1000}));
  EXPECT_EQ(net.get<Sink>("a").arrived(), 3500u);
  EXPECT_EQ(net.get<Sink>("b").arrived(), 1000u);
  // The route without `classes:` takes every class not listed.
  QueueingNetwork with_default = QueueingNetwork::from_config(
      ConfigNode::load_string(by_class_network("[{to: a, classes: [app]}, {to: b}]")));
  (void)simulate(with_default, 3);
  EXPECT_EQ(with_default.get<Sink>("a").arrived(), 1000u);
  EXPECT_EQ(with_default.get<Sink>("b").arrived(), 3500u);
}

TEST(NetworkWiring, ByClassConfigErrors) {
  auto error_of = [](const std::string& routes) -> std::string {
    try {
      (void)QueueingNetwork::from_config(ConfigNode::load_string(by_class_network(routes)));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of("[{to: a, classes: [web, app]}]").find("class 'batch' has no route"),
            std::string::npos);
  EXPECT_NE(error_of("[{to: a, classes: [web]}, {to: b, classes: [web, app, batch]}]")
                .find("class 'web' already has a route"),
            std::string::npos);
  EXPECT_NE(error_of("[{to: a, classes: [shared]}, {to: b}]").find("'shared' is not a source"),
            std::string::npos);
  EXPECT_NE(error_of("[{to: a}, {to: b}]").find("only one by_class route may omit"),
            std::string::npos);
  EXPECT_NE(error_of("[{to: a, probability: 1}, {to: b}]").find("give `classes:`"),
            std::string::npos);
  EXPECT_NE(error_of("[{to: a, classes: [webb]}, {to: b}]").find("did you mean 'web'"),
            std::string::npos);
}

}  // namespace
}  // namespace scalesim
