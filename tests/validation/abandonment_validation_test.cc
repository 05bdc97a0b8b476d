// Abandonment against exact theory. Erlang A (M/M/c+M: exponential patience) at two sizes, and
// M/M/1+D (every request has the same deadline), both computed here independently of the
// simulator:
//
// - Erlang A: the number present is a birth-death chain with birth rate lambda and death rate
//   min(n, c) mu + max(n - c, 0) theta. A customer that joins the line in position j (j - 1
//   ahead of it) next sees an event at rate c mu + j theta: its own abandonment (rate theta) or
//   a step forward (rate c mu + (j - 1) theta). That gives P(served | j) and E[wait; served | j]
//   by a recursion over j, and PASTA averages them over the state an arrival finds.
// - M/M/1+D: a request is served iff the work of the requests that will be served ahead of it is
//   below D. That virtual waiting time has an atom p0 at 0 and density lambda p0 e^{-(mu-lambda)x}
//   below D and f(D) e^{-mu (x-D)} above (level crossing), so P(abandon) = P(V >= D) and the mean
//   wait of served requests is the mean of V below D.
//
// Each case runs 10 independent replications (fixed seeds) and passes when the exact value lies
// inside the 99% Student-t interval across replication means AND within 1% relative.
// Run lengths: 10 x 10^6 arrivals (Erlang A, c = 10 and c = 64) and 10 x 2x10^6 (M/M/1+D).
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

struct AbandonExact {
  double p_abandon;
  double mean_wait_served;
  double mean_queue;  // time-averaged number waiting
};

AbandonExact erlang_a(int c, double lambda, double mu, double theta) {
  // Unnormalised stationary probabilities, truncated where they are negligible.
  std::vector<double> p{1.0};
  for (int n = 1;; ++n) {
    const double death = std::min(n, c) * mu + std::max(n - c, 0) * theta;
    p.push_back(p.back() * lambda / death);
    if (n > c && p.back() < 1e-18 * p[static_cast<std::size_t>(c)]) break;
  }
  double total = 0;
  for (double v : p) total += v;
  // served[j], wait_served[j]: P(served) and E[wait; served] from position j of the line.
  const std::size_t max_j = p.size();
  std::vector<double> served(max_j + 1, 1.0), wait_served(max_j + 1, 0.0);
  for (std::size_t j = 1; j <= max_j; ++j) {
    const double rate = c * mu + static_cast<double>(j) * theta;
    const double forward = (c * mu + static_cast<double>(j - 1) * theta) / rate;
    served[j] = forward * served[j - 1];
    wait_served[j] = forward * (served[j - 1] / rate + wait_served[j - 1]);
  }
  const auto servers = static_cast<std::size_t>(c);
  double p_served = 0, wait_and_served = 0, queue = 0;
  for (std::size_t n = 0; n < p.size(); ++n) {
    const double pn = p[n] / total;
    const std::size_t j = n < servers ? 0 : n - servers + 1;
    p_served += pn * served[j];
    wait_and_served += pn * wait_served[j];
    if (n > servers) queue += pn * static_cast<double>(n - servers);
  }
  return {1 - p_served, wait_and_served / p_served, queue};
}

AbandonExact mm1_deadline(double lambda, double mu, double d) {
  const double g = mu - lambda;  // may be zero or negative: the density stays finite below D
  const auto below = [&](double x) {
    return std::fabs(g) < 1e-12 ? x : (1 - std::exp(-g * x)) / g;
  };
  const double above = std::exp(-g * d) / mu;
  const double p0 = 1 / (1 + lambda * below(d) + lambda * above);
  // E[V; V < D] = lambda p0 * integral_0^D x e^{-g x} dx (Simpson, 20000 panels).
  const int panels = 20000;
  double integral = 0;
  for (int i = 0; i <= panels; ++i) {
    const double x = d * i / panels;
    const double w = (i == 0 || i == panels) ? 1 : (i % 2 == 1 ? 4 : 2);
    integral += w * x * std::exp(-g * x);
  }
  integral *= d / panels / 3;
  const double p_abandon = lambda * p0 * above;
  return {p_abandon, lambda * p0 * integral / (1 - p_abandon), 0.0};
}

std::string abandon_network(double lambda, int c, const std::string& limit, std::uint64_t customers,
                            std::uint64_t seed) {
  return "seed: " + std::to_string(seed) +
         "\nwarmup: 1000s\ncomponents:\n"
         "  src:\n    type: source\n    arrivals: {process: poisson, rate: " +
         std::to_string(lambda) + "/s}\n    customers: " + std::to_string(customers) +
         "\n    to: pool\n"
         "  pool:\n    type: station\n    servers: " +
         std::to_string(c) + "\n" + limit +
         "    on_abandon: gave_up\n    service: {distribution: exponential, mean: 1s}\n"
         "    to: served\n"
         "  served: {type: sink}\n"
         "  gave_up: {type: sink}\n";
}

void check_abandon_case(const std::string& name, const AbandonExact& exact, double lambda, int c,
                        const std::string& limit, std::uint64_t customers, std::uint64_t first_seed,
                        bool check_queue) {
  Welford abandoned, wait, queue;
  for (std::uint64_t seed = first_seed; seed < first_seed + 10; ++seed) {
    auto net = QueueingNetwork::from_config(
        ConfigNode::load_string(abandon_network(lambda, c, limit, customers, seed), name));
    const NetworkRun run = simulate(net, seed);
    const auto& pool = net.get<Station>("pool");
    // Every abandoning customer reaches `gave_up`, and every other one is served.
    EXPECT_EQ(pool.abandoned(), net.get<Sink>("gave_up").arrived());
    EXPECT_EQ(pool.abandoned() + pool.departures(), customers);
    abandoned.add(pool.abandonment_probability());
    wait.add(pool.wait().mean());
    queue.add(pool.mean_queue_length(run.end_time));
  }
  validation::expect_replications_match(name + " P(abandon)", exact.p_abandon,
                                        t_interval(abandoned, validation::kReplicationLevel));
  validation::expect_replications_match(name + " mean wait of served (s)", exact.mean_wait_served,
                                        t_interval(wait, validation::kReplicationLevel));
  if (check_queue) {
    validation::expect_replications_match(name + " mean queue length", exact.mean_queue,
                                          t_interval(queue, validation::kReplicationLevel));
  }
}

const std::string kExponentialPatience2s =
    "    patience: {distribution: exponential, mean: 2s}\n";  // theta = 0.5/s

TEST(AbandonmentValidation, ErlangAWithTenServersAtFullLoad) {
  check_abandon_case("Erlang A c=10 a=10 theta=0.5", erlang_a(10, 10.0, 1.0, 0.5), 10.0, 10,
                     kExponentialPatience2s, 1'000'000, 8100, true);
}

TEST(AbandonmentValidation, ErlangAWithSixtyFourServersInOverload) {
  check_abandon_case("Erlang A c=64 a=70 theta=0.5", erlang_a(64, 70.0, 1.0, 0.5), 70.0, 64,
                     kExponentialPatience2s, 1'000'000, 8200, true);
}

// The deadline counts from the request's creation; with the source wired straight to the
// station, that is the arrival, so every request has exactly D of patience.
TEST(AbandonmentValidation, MM1WithDeadlineAtFullLoad) {
  check_abandon_case("M/M/1+D rho=1 D=2s (deadline)", mm1_deadline(1.0, 1.0, 2.0), 1.0, 1,
                     "    deadline: 2s\n", 2'000'000, 8300, false);
}

// A deterministic patience is the same law as that deadline.
TEST(AbandonmentValidation, MM1WithDeterministicPatienceInOverload) {
  check_abandon_case("M/M/1+D rho=1.2 D=1s (patience)", mm1_deadline(1.2, 1.0, 1.0), 1.2, 1,
                     "    patience: {distribution: deterministic, value: 1s}\n", 2'000'000, 8400,
                     false);
}

// Checks of the test's own theory: with exponential patience, P(abandon) = theta E[Q] / lambda
// (abandonments happen at rate theta per waiting customer); M/M/1+D tends to M/M/1 as D grows.
TEST(AbandonmentValidation, TheoryIsConsistent) {
  for (const auto& [c, lambda] : std::vector<std::pair<int, double>>{{10, 10.0}, {64, 70.0}}) {
    const AbandonExact e = erlang_a(c, lambda, 1.0, 0.5);
    EXPECT_NEAR(e.p_abandon, 0.5 * e.mean_queue / lambda, 1e-9);
  }
  const AbandonExact long_deadline = mm1_deadline(0.5, 1.0, 60.0);
  EXPECT_NEAR(long_deadline.p_abandon, 0.0, 1e-12);
  // M/M/1: E[W | served] over all customers is rho / (mu - lambda) = 1 at rho = 0.5.
  EXPECT_NEAR(long_deadline.mean_wait_served, 1.0, 1e-6);
}

}  // namespace
}  // namespace scalesim
