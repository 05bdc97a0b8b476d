// Finite capacity against exact theory: M/M/c/K in overload and Erlang B (K = c), the second
// with c = 64. The exact state probabilities are computed here from the birth-death balance
// equations, independently of the simulator. Each case runs independent replications (fixed
// seeds) and passes when the exact value lies inside the 99% Student-t interval across
// replication means AND within 1% relative.
//
// Run lengths: 10 replications of 1.5x10^6 (M/M/4/10) and 10^6 (Erlang B) arrivals give
// intervals of ~0.2-0.6% relative on the blocking probability and the mean number in system.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"
#include "tests/validation/replication_check.h"

namespace scalesim {
namespace {

// Stationary distribution of M/M/c/K: p_n proportional to a^n / n! for n <= c and
// a^c / c! * (a / c)^(n - c) above, a = lambda / mu.
std::vector<double> mmck_probabilities(int c, int k, double a) {
  std::vector<double> p(static_cast<std::size_t>(k) + 1);
  p[0] = 1.0;
  for (std::size_t n = 1; n < p.size(); ++n) {
    p[n] = p[n - 1] * a / std::min(static_cast<double>(n), static_cast<double>(c));
  }
  double total = 0;
  for (double v : p) total += v;
  for (double& v : p) v /= total;
  return p;
}

struct MmckExact {
  double blocking;
  double mean_in_system;
  double throughput;
};

MmckExact mmck(int c, int k, double lambda, double mu) {
  const auto p = mmck_probabilities(c, k, lambda / mu);
  MmckExact e{p[static_cast<std::size_t>(k)], 0.0, 0.0};
  for (std::size_t n = 0; n < p.size(); ++n) e.mean_in_system += static_cast<double>(n) * p[n];
  e.throughput = lambda * (1 - e.blocking);
  return e;
}

std::string capacity_network(double lambda, int c, int k, std::uint64_t customers, double warmup_s,
                             std::uint64_t seed) {
  return "seed: " + std::to_string(seed) + "\nwarmup: " + std::to_string(warmup_s) +
         "s\ncomponents:\n"
         "  src:\n    type: source\n    arrivals: {process: poisson, rate: " +
         std::to_string(lambda) + "/s}\n    customers: " + std::to_string(customers) +
         "\n    to: pool\n"
         "  pool:\n    type: station\n    servers: " +
         std::to_string(c) + "\n    capacity: " + std::to_string(k) +
         "\n    on_reject: lost\n    service: {distribution: exponential, mean: 1s}\n"
         "    to: served\n"
         "  served: {type: sink}\n"
         "  lost: {type: sink}\n";
}

void check_capacity_case(const std::string& name, double lambda, int c, int k,
                         std::uint64_t customers, std::uint64_t first_seed) {
  const MmckExact exact = mmck(c, k, lambda, 1.0);
  Welford blocking, in_system, throughput;
  for (std::uint64_t seed = first_seed; seed < first_seed + 10; ++seed) {
    auto net = QueueingNetwork::from_config(
        ConfigNode::load_string(capacity_network(lambda, c, k, customers, 1000.0, seed), name));
    const NetworkRun run = simulate(net, seed);
    const auto& pool = net.get<Station>("pool");
    // Every rejected customer reaches `lost`, and every accepted one is served.
    EXPECT_EQ(pool.rejected(), net.get<Sink>("lost").arrived());
    EXPECT_EQ(pool.rejected() + pool.departures(), customers);
    blocking.add(pool.blocking_probability());
    in_system.add(pool.mean_in_system(run.end_time));
    throughput.add(net.get<Sink>("served").throughput());
  }
  validation::expect_replications_match(name + " blocking probability", exact.blocking,
                                        t_interval(blocking, validation::kReplicationLevel));
  validation::expect_replications_match(name + " mean number in system", exact.mean_in_system,
                                        t_interval(in_system, validation::kReplicationLevel));
  validation::expect_replications_match(name + " accepted throughput (/s)", exact.throughput,
                                        t_interval(throughput, validation::kReplicationLevel));
}

TEST(FiniteCapacityValidation, MMcKInOverload) {
  check_capacity_case("M/M/4/10 rho=1.5", 6.0, 4, 10, 1'500'000, 7100);
}

TEST(FiniteCapacityValidation, ErlangBWithEightServers) {
  check_capacity_case("Erlang B c=8 a=6", 6.0, 8, 8, 1'000'000, 7200);
}

TEST(FiniteCapacityValidation, ErlangBWithSixtyFourServers) {
  check_capacity_case("Erlang B c=64 a=60", 60.0, 64, 64, 1'000'000, 7300);
}

// Without on_reject, rejected customers are dropped: counted at the station, gone from the system.
TEST(FiniteCapacityValidation, DroppedRejectionsAreCountedAndLeave) {
  std::string y = capacity_network(6.0, 4, 10, 200'000, 0.0, 7400);
  y.replace(y.find("    on_reject: lost\n"), 20, "");
  y.replace(y.find("  lost: {type: sink}\n"), 21, "");  // nothing would reach it
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "dropped"));
  simulate(net, 7400);
  const auto& pool = net.get<Station>("pool");
  EXPECT_GT(pool.rejected(), 50'000u);  // P_K = 0.34 of 200,000
  EXPECT_EQ(pool.rejected() + pool.departures(), 200'000u);
  EXPECT_EQ(net.get<Sink>("served").arrived(), pool.departures());
}

// Erlang B from its recursion B(0) = 1, B(n) = a B(n-1) / (n + a B(n-1)): the balance equations
// above must agree with it (a check of the test's own theory).
TEST(FiniteCapacityValidation, BalanceEquationsAgreeWithErlangRecursion) {
  for (const auto& [c, a] : std::vector<std::pair<int, double>>{{8, 6.0}, {64, 60.0}}) {
    double b = 1.0;
    for (int n = 1; n <= c; ++n) b = a * b / (n + a * b);
    EXPECT_NEAR(mmck(c, c, a, 1.0).blocking, b, 1e-12 * b);
  }
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

// A model server with a queue limit (Triton's max_queue_size) and no batching is an M/D/1/N
// queue, N = max_queue_size + 1 (one in service). Exact blocking from the embedded chain at
// departures (Gross & Harris, M/G/1/K): a_k = P(k Poisson arrivals in one service time S),
// pi the departure-epoch law over 0..N-1, then P_N = 1 - 1 / (pi_0 + rho), rho = lambda S.
double md1n_blocking(double rho, int n) {
  std::vector<double> a(static_cast<std::size_t>(n));  // a_k, k < n - 1; the tail goes to n - 1
  double term = std::exp(-rho);
  for (int k = 0; k < n - 1; ++k) {
    a[static_cast<std::size_t>(k)] = term;
    term *= rho / (k + 1);
  }
  const auto step = [&](const std::vector<double>& pi) {
    std::vector<double> next(pi.size(), 0.0);
    for (int i = 0; i < n; ++i) {
      const int base = std::max(i - 1, 0);  // left behind, before the arrivals during service
      double placed = 0;
      for (int j = base; j < n - 1; ++j) {
        next[static_cast<std::size_t>(j)] +=
            pi[static_cast<std::size_t>(i)] * a[static_cast<std::size_t>(j - base)];
        placed += a[static_cast<std::size_t>(j - base)];
      }
      next[static_cast<std::size_t>(n - 1)] += pi[static_cast<std::size_t>(i)] * (1 - placed);
    }
    return next;
  };
  std::vector<double> pi(static_cast<std::size_t>(n), 1.0 / n);
  for (int it = 0; it < 100000; ++it) pi = step(pi);
  return 1 - 1 / (pi[0] + rho);
}

TEST(FiniteCapacityValidation, ModelServerQueueLimitIsMD1N) {
  // bert-base on a V100 without batching: deterministic service S from the GPU model.
  const std::string probe =
      "components:\n  src: {type: source, arrivals: {process: poisson, rate: 1/s}, customers: 1, "
      "to: srv}\n  srv:\n    type: model_server\n    model: bert-base\n    input: 128\n    gpu: "
      "V100-SXM2-16GB\n    to: out\n  out: {type: sink}\n";
  const auto probe_net = QueueingNetwork::from_config(ConfigNode::load_string(probe, "probe"));
  const double s = to_seconds(probe_net.get<ModelServer>("srv").setup().batch_time[0]);
  const double rho = 1.2;
  const int max_queue = 4;
  const double exact = md1n_blocking(rho, max_queue + 1);
  const std::uint64_t customers = 1'000'000;
  Welford blocking;
  for (std::uint64_t seed = 7500; seed < 7510; ++seed) {
    const std::string y =
        "seed: " + std::to_string(seed) + "\nwarmup: " + std::to_string(1000 * s) +
        "s\ncomponents:\n  src:\n    type: source\n    arrivals: {process: poisson, rate: " +
        std::to_string(rho / s) + "/s}\n    customers: " + std::to_string(customers) +
        "\n    to: srv\n  srv:\n    type: model_server\n    model: bert-base\n    input: 128\n"
        "    gpu: V100-SXM2-16GB\n    dynamic_batching: {max_batch_size: 1, max_queue_size: " +
        std::to_string(max_queue) +
        "}\n    on_reject: shed\n    to: out\n  out: {type: sink}\n  shed: {type: sink}\n";
    auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "md1n"));
    simulate(net, seed);
    const auto& srv = net.get<ModelServer>("srv");
    EXPECT_EQ(srv.rejected(), net.get<Sink>("shed").arrived());
    EXPECT_EQ(srv.rejected() + srv.departures(), customers);
    blocking.add(srv.admission().probability());
  }
  validation::expect_replications_match("M/D/1/5 model server rho=1.2 blocking", exact,
                                        t_interval(blocking, validation::kReplicationLevel));
}

// The embedded-chain solution against M/M/1/N's closed form would need exponential service;
// instead check two limits: a huge queue limit blocks nothing below rho = 1, and N = 1 (no
// waiting room) is Erlang's loss formula for one server, rho / (1 + rho), for any service law.
TEST(FiniteCapacityValidation, MD1NTheoryLimits) {
  EXPECT_NEAR(md1n_blocking(0.5, 60), 0.0, 1e-9);
  EXPECT_NEAR(md1n_blocking(1.2, 1), 1.2 / 2.2, 1e-12);
}

}  // namespace
}  // namespace scalesim
