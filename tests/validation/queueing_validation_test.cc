// The kernel and queueing components against exact queueing theory. Each case prints the
// analytic expectation beside the simulated value and its 99% confidence interval (batch means),
// and passes when the exact value lies inside the interval AND within 2% relative.
//
// Sample sizes: the variance of a mean waiting time grows like (1 - rho)^-4, so rho = 0.9 needs
// ~2x10^7 customers for 2%; rho <= 0.7 needs a few million. Warm-up: the first ~10^5 customers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "models/queueing/queueing_network.h"
#include "tests/validation/replication_check.h"

namespace scalesim {
namespace {

constexpr double kLevel = 0.99;
constexpr double kRelTol = 0.02;

struct Check {
  std::string what;
  double exact;
  ConfidenceInterval ci;
};

void expect_matches(const Check& c) {
  const double rel = std::fabs(c.ci.mean - c.exact) / c.exact;
  validation::report_line(
      "  %-34s Expectation %.6g  Actual %.6g  99%% CI [%.6g, %.6g] (%llu batches/replications)  "
      "rel.err %.3f%%\n",
      c.what.c_str(), c.exact, c.ci.mean, c.ci.lower(), c.ci.upper(),
      static_cast<unsigned long long>(c.ci.samples), 100 * rel);
  EXPECT_TRUE(c.ci.contains(c.exact)) << c.what << ": exact " << c.exact << " outside the 99% CI ["
                                      << c.ci.lower() << ", " << c.ci.upper() << "]";
  EXPECT_LT(rel, kRelTol) << c.what;
}

// One source -> stations in series -> sink; service time of station i given as a YAML
// distribution; arrival rate lambda per second.
QueueingNetwork tandem(double lambda, std::uint64_t customers, double warmup_s,
                       const std::vector<std::pair<int, std::string>>& stations,
                       std::uint64_t seed) {
  std::string y =
      "seed: " + std::to_string(seed) + "\nwarmup: " + std::to_string(warmup_s) +
      "s\ncomponents:\n  src:\n    type: source\n    arrivals: {process: poisson, rate: " +
      std::to_string(lambda) + "/s}\n    customers: " + std::to_string(customers) +
      "\n    to: s0\n";
  for (std::size_t i = 0; i < stations.size(); ++i) {
    y += "  s" + std::to_string(i) +
         ":\n    type: station\n    servers: " + std::to_string(stations[i].first) +
         "\n    service: " + stations[i].second + "\n    to: " +
         (i + 1 < stations.size() ? "s" + std::to_string(i + 1) : std::string("out")) + "\n";
  }
  y += "  out: {type: sink}\n";
  return QueueingNetwork::from_config(ConfigNode::load_string(y, "validation"));
}

double erlang_c(int c, double a) {  // probability of waiting, offered load a = lambda / mu
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double top = term * a / c * c / (c - a);
  return top / (sum + top);
}

TEST(Validation, MM1AtHalfLoad) {
  auto net = tandem(0.5, 2'000'000, 2e5, {{1, "{distribution: exponential, mean: 1s}"}}, 101);
  const auto run = simulate(net, net.settings().seed);
  const auto& s = net.get<Station>("s0");
  expect_matches(
      {"M/M/1 rho=0.5 mean wait (s)", 0.5 / (1 - 0.5), s.wait_batches().interval(kLevel)});
  // Sojourn ~ Exp(mu - lambda): p99 = ln(100) / (mu - lambda).
  const double exact_p99 = std::log(100.0) / 0.5;
  const double p99 = s.sojourn_histogram().quantile(0.99) * 1e-9;
  validation::report_line("  %-34s Expectation %.6g  Actual %.6g  rel.err %.3f%%\n",
                          "M/M/1 rho=0.5 p99 sojourn (s)", exact_p99, p99,
                          100 * std::fabs(p99 - exact_p99) / exact_p99);
  EXPECT_LT(std::fabs(p99 - exact_p99) / exact_p99, kRelTol);
  EXPECT_NEAR(s.utilisation(run.end_time), 0.5, 0.005);
}

TEST(Validation, MM1AtNinetyPercentLoad) {
  auto net = tandem(0.9, 20'000'000, 2e5, {{1, "{distribution: exponential, mean: 1s}"}}, 202);
  const auto run = simulate(net, net.settings().seed);
  const auto& s = net.get<Station>("s0");
  expect_matches(
      {"M/M/1 rho=0.9 mean wait (s)", 0.9 / (1 - 0.9), s.wait_batches().interval(kLevel)});
  EXPECT_NEAR(s.utilisation(run.end_time), 0.9, 0.005);
  // Little's law on the queue: L_q = lambda * W_q.
  EXPECT_NEAR(s.mean_queue_length(run.end_time) / (0.9 * s.wait().mean()), 1.0, 0.01);
}

// Eight independent replications (seeds 303..310), 2.5x10^6 customers each; the interval is the
// Student-t interval across replication means, the second kind of interval the engine offers.
TEST(Validation, MMcErlangCWithEightServers) {
  const int c = 8;
  const double lambda = 7.2, a = lambda;  // mu = 1/s, rho = 0.9
  Welford replication_means;
  for (std::uint64_t seed = 303; seed < 311; ++seed) {
    auto net = tandem(lambda, 2'500'000, 2e4, {{c, "{distribution: exponential, mean: 1s}"}}, seed);
    simulate(net, seed);
    replication_means.add(net.get<Station>("s0").wait().mean());
  }
  const double exact = erlang_c(c, a) / (c - a);
  expect_matches({"M/M/8 rho=0.9 mean wait (s)", exact, t_interval(replication_means, kLevel)});
}

TEST(Validation, MD1) {
  const double lambda = 0.7, d = 1.0;  // rho = 0.7
  auto net = tandem(lambda, 4'000'000, 2e5, {{1, "{distribution: deterministic, value: 1s}"}}, 404);
  simulate(net, net.settings().seed);
  const double exact = lambda * d * d / (2 * (1 - lambda * d));
  expect_matches({"M/D/1 rho=0.7 mean wait (s)", exact,
                  net.get<Station>("s0").wait_batches().interval(kLevel)});
}

TEST(Validation, MG1LognormalPollaczekKhinchine) {
  const double lambda = 0.7, mean = 1.0, cv = 1.5;  // rho = 0.7, E[S^2] = mean^2 (1 + cv^2)
  auto net =
      tandem(lambda, 8'000'000, 2e5, {{1, "{distribution: lognormal, mean: 1s, cv: 1.5}"}}, 505);
  simulate(net, net.settings().seed);
  const double exact = lambda * mean * mean * (1 + cv * cv) / (2 * (1 - lambda * mean));
  expect_matches({"M/G/1 lognormal cv=1.5 mean wait (s)", exact,
                  net.get<Station>("s0").wait_batches().interval(kLevel)});
}

// Jackson: three M/M/1 in series behave as independent M/M/1 queues with the same lambda.
TEST(Validation, TandemOfThreeMM1IsJackson) {
  const double lambda = 0.6;
  const double mu[3] = {1.0, 1.25, 1.0 / 0.8};
  auto net = tandem(lambda, 4'000'000, 2e5,
                    {{1, "{distribution: exponential, mean: 1s}"},
                     {1, "{distribution: exponential, mean: 800ms}"},
                     {1, "{distribution: exponential, mean: 800ms}"}},
                    606);
  simulate(net, net.settings().seed);
  double sojourn = 0;
  for (int i = 0; i < 3; ++i) {
    const double rho = lambda / mu[i];
    const double exact = rho / (mu[i] - lambda);
    sojourn += 1 / (mu[i] - lambda);
    expect_matches({"Jackson tandem station " + std::to_string(i) + " mean wait (s)", exact,
                    net.get<Station>("s" + std::to_string(i)).wait_batches().interval(kLevel)});
  }
  expect_matches({"Jackson tandem end-to-end sojourn (s)", sojourn,
                  net.get<Sink>("out").latency_batches().interval(kLevel)});
}

}  // namespace
}  // namespace scalesim
