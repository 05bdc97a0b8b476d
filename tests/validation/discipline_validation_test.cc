// Service disciplines against exact theory, computed here independently of the simulator:
//
// - Two-class M/M/1 with non-preemptive priority (Cobham 1954): with sigma_k the load of the
//   classes at least as urgent as k and W0 = sum_i lambda_i E[S_i^2] / 2 the mean residual work
//   an arrival finds in service, the mean wait of class k is W0 / ((1 - sigma_{k-1})(1 - sigma_k)).
// - The same with preemptive-resume priority: class k sees only classes 1..k, so its mean sojourn
//   is E[S_k] / (1 - sigma_{k-1}) + R_k / ((1 - sigma_{k-1})(1 - sigma_k)), R_k the residual
//   work of classes 1..k alone.
// - Processor sharing: M/M/1-PS has mean sojourn E[S] / (1 - rho), and M/G/1-PS the same for any
//   service law (insensitivity); with c servers (rate min(1, c/n) each), the number present has
//   the M/M/c birth-death law for any service law, so the mean sojourn is L / lambda (Little).
//
// Each case runs 10 independent replications (fixed seeds) and passes when the exact value lies
// inside the 99% Student-t interval across replication means AND within 1% relative.
// Run lengths: the priority cases run 2x10^6 s (1.4x10^6 requests) per replication, the PS
// cases 1.5x10^6 s (10^6 requests at rho = 0.7 with mean service 1 s).
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

// Two Poisson classes (interactive: urgent, batch) into one exponential server of mean 1 s.
std::string priority_network(const std::string& discipline, double urgent, double batch,
                             std::uint64_t seed) {
  return "seed: " + std::to_string(seed) +
         "\nwarmup: 5000s\nend: {time: 2000000s}\ncomponents:\n"
         "  interactive:\n    type: source\n    arrivals: {process: poisson, rate: " +
         std::to_string(urgent) +
         "/s}\n    to: server\n"
         "  batch:\n    type: source\n    arrivals: {process: poisson, rate: " +
         std::to_string(batch) +
         "/s}\n    to: server\n"
         "  server:\n    type: station\n    discipline: " +
         discipline +
         "\n    priorities: {interactive: 0, batch: 1}\n"
         "    service: {distribution: exponential, mean: 1s}\n    to: done\n"
         "  done: {type: sink}\n";
}

struct TwoClasses {
  Welford urgent, batch;
};

TwoClasses run_priority(const std::string& name, const std::string& discipline, bool sojourn,
                        std::uint64_t first_seed) {
  TwoClasses out;
  for (std::uint64_t seed = first_seed; seed < first_seed + 10; ++seed) {
    auto net = QueueingNetwork::from_config(
        ConfigNode::load_string(priority_network(discipline, 0.2, 0.5, seed), name));
    simulate(net, seed);
    const auto& st = net.get<Station>("server");
    const auto& classes = st.class_stats();
    out.urgent.add(sojourn ? classes[0].sojourn.mean() : classes[0].wait.mean());
    out.batch.add(sojourn ? classes[1].sojourn.mean() : classes[1].wait.mean());
    if (discipline == "priority") {
      EXPECT_EQ(st.preemptions(), 0u);
    } else {
      EXPECT_GT(st.preemptions(), 0u);
    }
  }
  return out;
}

TEST(DisciplineValidation, NonPreemptivePriorityMatchesCobham) {
  // lambda = 0.2 (urgent) + 0.5, mu = 1: W0 = sum lambda_i E[S^2] / 2 = 0.7.
  const double l1 = 0.2, l2 = 0.5, w0 = (l1 + l2) * 2.0 / 2.0;
  const double w1 = w0 / (1 - l1), w2 = w0 / ((1 - l1) * (1 - l1 - l2));
  const TwoClasses sim = run_priority("non-preemptive", "priority", false, 9100);
  validation::expect_replications_match("M/M/1 priority rho=0.7 urgent mean wait (s)", w1,
                                        t_interval(sim.urgent, validation::kReplicationLevel));
  validation::expect_replications_match("M/M/1 priority rho=0.7 batch mean wait (s)", w2,
                                        t_interval(sim.batch, validation::kReplicationLevel));
}

TEST(DisciplineValidation, PreemptiveResumePriority) {
  const double l1 = 0.2, l2 = 0.5;
  const double t1 = 1.0 / 1.0 + (l1 * 1.0) / (1 - l1);  // sigma_0 = 0, R_1 = lambda_1 E[S^2] / 2
  const double t2 = 1.0 / (1 - l1) + (l1 + l2) / ((1 - l1) * (1 - l1 - l2));
  const TwoClasses sim = run_priority("preemptive", "preemptive_priority", true, 9200);
  validation::expect_replications_match("M/M/1 preemptive rho=0.7 urgent mean sojourn (s)", t1,
                                        t_interval(sim.urgent, validation::kReplicationLevel));
  validation::expect_replications_match("M/M/1 preemptive rho=0.7 batch mean sojourn (s)", t2,
                                        t_interval(sim.batch, validation::kReplicationLevel));
}

std::string sharing_network(int servers, double lambda, const std::string& service,
                            std::uint64_t seed) {
  return "seed: " + std::to_string(seed) +
         "\nwarmup: 5000s\nend: {time: " + std::to_string(1'500'000 / servers) +
         "s}\ncomponents:\n"
         "  jobs:\n    type: source\n    arrivals: {process: poisson, rate: " +
         std::to_string(lambda) + "/s}\n    to: cpu\n" +
         "  cpu:\n    type: station\n    servers: " + std::to_string(servers) +
         "\n    discipline: processor_sharing\n    service: " + service +
         "\n    to: done\n  done: {type: sink}\n";
}

void check_sharing(const std::string& name, int servers, double lambda, const std::string& service,
                   double exact, std::uint64_t first_seed) {
  Welford sojourn;
  for (std::uint64_t seed = first_seed; seed < first_seed + 10; ++seed) {
    auto net = QueueingNetwork::from_config(
        ConfigNode::load_string(sharing_network(servers, lambda, service, seed), name));
    simulate(net, seed);
    sojourn.add(net.get<Station>("cpu").sojourn().mean());
  }
  validation::expect_replications_match(name + " mean sojourn (s)", exact,
                                        t_interval(sojourn, validation::kReplicationLevel));
}

TEST(DisciplineValidation, ProcessorSharingMM1) {
  check_sharing("M/M/1-PS rho=0.7", 1, 0.7, "{distribution: exponential, mean: 1s}",
                1.0 / (1 - 0.7), 9300);
}

TEST(DisciplineValidation, ProcessorSharingIsInsensitiveToTheServiceLaw) {
  check_sharing("M/G/1-PS rho=0.7 lognormal cv=2", 1, 0.7,
                "{distribution: lognormal, mean: 1s, cv: 2}", 1.0 / (1 - 0.7), 9400);
  check_sharing("M/D/1-PS rho=0.7", 1, 0.7, "{distribution: deterministic, value: 1s}",
                1.0 / (1 - 0.7), 9500);
}

// M/M/c birth-death occupancy: p_n proportional to a^n / n! up to c, then a^c/c! (a/c)^(n-c).
double mmc_mean_in_system(int c, double a) {
  std::vector<double> p{1.0};
  for (int n = 1; n < 100000; ++n) {
    p.push_back(p.back() * a / std::min(n, c));
    if (n > c && p.back() < 1e-18) break;
  }
  double total = 0, mean = 0;
  for (std::size_t n = 0; n < p.size(); ++n) {
    total += p[n];
    mean += static_cast<double>(n) * p[n];
  }
  return mean / total;
}

TEST(DisciplineValidation, MultiServerProcessorSharing) {
  const double lambda = 3.2;  // 4 servers, rho = 0.8
  check_sharing("M/G/4-PS rho=0.8 lognormal cv=2", 4, lambda,
                "{distribution: lognormal, mean: 1s, cv: 2}",
                mmc_mean_in_system(4, lambda) / lambda, 9600);
}

// The test's own theory: M/M/1 occupancy gives rho / (1 - rho), so L / lambda = 1 / (1 - rho).
TEST(DisciplineValidation, TheoryIsConsistent) {
  EXPECT_NEAR(mmc_mean_in_system(1, 0.7) / 0.7, 1.0 / 0.3, 1e-9);
  // M/M/2 in closed form: L = 2 rho / (1 - rho^2), rho = a / 2.
  EXPECT_NEAR(mmc_mean_in_system(2, 1.2), 2 * 0.6 / (1 - 0.36), 1e-9);
}

}  // namespace
}  // namespace scalesim
