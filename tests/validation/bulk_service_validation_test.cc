// Bulk service against exact theory: M/M^[B]/1 under the general bulk service rule (a free
// server takes min(q, B) waiting requests at once, one exponential service time of rate mu per
// batch), B = 8, at two loads. Exact solution, computed here independently of the simulator:
// with q the number waiting (not in service), the busy states satisfy the cut equations
// lambda p_q = mu (p_{q+1} + ... + p_{q+B}), solved by p_q = p_0 r^q where r in (0, 1) is the
// root of mu (r + r^2 + ... + r^B) = lambda; the idle state has lambda pi_I = mu p_0. So
// E[q] = p_0 r / (1 - r)^2, the mean wait is E[q] / lambda (Little), the utilisation 1 - pi_I,
// and the mean batch size lambda / (mu (1 - pi_I)). The test also checks every state's global
// balance on a truncated chain.
//
// Each case runs 10 independent replications (fixed seeds) and passes when the exact value lies
// inside the 99% Student-t interval across replication means AND within 1% relative.
// Run lengths: 10 x 2x10^6 arrivals at rho = 0.5, 10 x 8x10^6 at rho = 0.8.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"
#include "tests/validation/replication_check.h"

namespace scalesim {
namespace {

struct BulkExact {
  double r;
  double p0;
  double idle;
  double mean_waiting;
  double mean_wait;
  double utilisation;
  double mean_batch;
};

BulkExact bulk_exact(double lambda, double mu, int b) {
  const auto f = [&](double r) {
    double s = 0, p = 1;
    for (int k = 1; k <= b; ++k) s += (p *= r);
    return mu * s - lambda;
  };
  double lo = 0, hi = 1;  // f(0) < 0 < f(1) when lambda < B mu
  for (int i = 0; i < 200; ++i) (f(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
  BulkExact e{};
  e.r = 0.5 * (lo + hi);
  e.p0 = 1 / (mu / lambda + 1 / (1 - e.r));
  e.idle = mu * e.p0 / lambda;
  e.mean_waiting = e.p0 * e.r / ((1 - e.r) * (1 - e.r));
  e.mean_wait = e.mean_waiting / lambda;
  e.utilisation = 1 - e.idle;
  e.mean_batch = lambda / (mu * e.utilisation);
  return e;
}

std::string bulk_network(double lambda, std::uint64_t customers, std::uint64_t seed) {
  return "seed: " + std::to_string(seed) +
         "\nwarmup: 1000s\ncomponents:\n"
         "  src:\n    type: source\n    arrivals: {process: poisson, rate: " +
         std::to_string(lambda) + "/s}\n    customers: " + std::to_string(customers) +
         "\n    to: gpu\n"
         "  gpu:\n    type: station\n    batch: {max: 8}\n"
         "    service: {distribution: exponential, mean: 1s}\n    to: done\n"
         "  done: {type: sink}\n";
}

void check_bulk(const std::string& name, double lambda, std::uint64_t customers,
                std::uint64_t first_seed) {
  const BulkExact exact = bulk_exact(lambda, 1.0, 8);
  Welford wait, waiting, utilisation, batch;
  for (std::uint64_t seed = first_seed; seed < first_seed + 10; ++seed) {
    auto net = QueueingNetwork::from_config(
        ConfigNode::load_string(bulk_network(lambda, customers, seed), name));
    const NetworkRun run = simulate(net, seed);
    const auto& gpu = net.get<Station>("gpu");
    EXPECT_EQ(gpu.departures(), customers);
    wait.add(gpu.wait().mean());
    waiting.add(gpu.mean_queue_length(run.end_time));
    utilisation.add(gpu.utilisation(run.end_time));
    batch.add(gpu.batching()->mean_batch_size());
  }
  const double level = validation::kReplicationLevel;
  validation::expect_replications_match(name + " mean wait (s)", exact.mean_wait,
                                        t_interval(wait, level));
  validation::expect_replications_match(name + " mean queue length", exact.mean_waiting,
                                        t_interval(waiting, level));
  validation::expect_replications_match(name + " utilisation", exact.utilisation,
                                        t_interval(utilisation, level));
  validation::expect_replications_match(name + " mean batch size", exact.mean_batch,
                                        t_interval(batch, level));
}

TEST(BulkServiceValidation, MMB1AtHalfLoad) {
  check_bulk("M/M^[8]/1 rho=0.5", 4.0, 2'000'000, 9700);
}

TEST(BulkServiceValidation, MMB1AtHighLoad) {
  check_bulk("M/M^[8]/1 rho=0.8", 6.4, 8'000'000, 9800);
}

// The geometric solution satisfies global balance in every state of the chain (idle, and busy
// with q waiting), checked on a truncation far into the tail.
TEST(BulkServiceValidation, GeometricSolutionBalancesTheChain) {
  for (const double lambda : {4.0, 6.4, 7.2}) {
    const double mu = 1.0;
    const int b = 8;
    const BulkExact e = bulk_exact(lambda, mu, b);
    const auto p = [&](int q) { return e.p0 * std::pow(e.r, q); };
    EXPECT_NEAR(lambda * e.idle, mu * p(0), 1e-12);  // idle: out by an arrival, in from q = 0
    double in0 = lambda * e.idle;                    // into busy, 0 waiting
    for (int j = 1; j <= b; ++j) in0 += mu * p(j);   // a batch of j <= B left nobody waiting
    EXPECT_NEAR(in0, (lambda + mu) * p(0), 1e-12);
    for (int q = 1; q < 200; ++q) {
      EXPECT_NEAR(lambda * p(q - 1) + mu * p(q + b), (lambda + mu) * p(q), 1e-12) << q;
    }
    double total = e.idle;
    for (int q = 0; q < 20000; ++q) total += p(q);
    EXPECT_NEAR(total, 1.0, 1e-9);
  }
}

}  // namespace
}  // namespace scalesim
