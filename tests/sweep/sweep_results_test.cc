#include "sweep/sweep_results.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "scalesim/stats/confidence.h"
#include "sweep_test_util.h"

namespace scalesim {
namespace {

using test::load_spec;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Three points (list design), metrics [done.p99_latency_s, cost.per_hour].
const std::string kSpec =
    "base: cascade.yaml\n"                                               // 1
    "design: list\n"                                                     // 2
    "replications: 3\n"                                                  // 3
    "metrics: [done.p99_latency_s, cost.per_hour]\n"                     // 4
    "parameters:\n"                                                      // 5
    "  - {path: components.complex.replicas, values: [1, 2, 3]}\n"       // 6
    "constraints:\n"                                                     // 7
    "  - {name: p99, metric: done.p99_latency_s, target: \"< 50ms\"}\n"  // 8
    "objective: {minimize: cost.per_hour}\n";                            // 9

SweepTable table_for(const SweepSpec& s, std::vector<double> values) {
  SweepTable t;
  t.backend = "des";
  for (const auto& p : s.parameters) t.parameter_paths.push_back(p.path);
  t.points = s.points;
  t.metric_names = {"done.p99_latency_s", "cost.per_hour"};
  t.replications = s.replications;
  t.seed = s.seed;
  t.values = std::move(values);
  return t;
}

TEST(SweepResults, MeansIntervalsFeasibilityOptimum) {
  const SweepSpec s = load_spec(kSpec);
  // [point][rep][metric]
  SweepTable t =
      table_for(s, {
                       0.040, 3.0, 0.045, 3.0, 0.050, 3.0,  // p0: mean 0.045, upper > 0.05
                       0.030, 5.0, 0.031, 5.0, 0.032, 5.0,  // p1: feasible
                       0.010, 9.0, 0.011, 9.0, kNaN, kNaN,  // p2: feasible, one run lost
                   });
  summarise(t, s);
  ASSERT_EQ(t.mean.size(), 6u);
  EXPECT_NEAR(t.mean[0], 0.045, 1e-15);
  const double hw0 = student_t_critical(0.95, 2) * 0.005 / std::sqrt(3.0);
  EXPECT_NEAR(t.half_width[0], hw0, 1e-12);
  EXPECT_NEAR(t.mean[4], 0.0105, 1e-15);  // the NaN run left out
  EXPECT_NEAR(t.half_width[4], student_t_critical(0.95, 1) * std::sqrt(0.0000005) / std::sqrt(2.0),
              1e-12);
  EXPECT_EQ(t.half_width[1], 0.0);
  // p0's mean (45ms) meets "< 50ms" but its upper bound does not: infeasible (the safe side).
  EXPECT_EQ(t.feasible, (std::vector<std::uint8_t>{0, 1, 1}));
  EXPECT_EQ(t.optimum, 1);
  const std::string text = optimum_text(t, s);
  EXPECT_NE(text.find("optimum: point 1 of 3 (components.complex.replicas=2)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cost.per_hour = 5"), std::string::npos) << text;
  EXPECT_NE(text.find("meets < 50ms"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(t.value(2, 1, 1), 9.0);

  const std::string json = sweep_json(t, s);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"optimum\":{\"point\":1,\"values\":{\"components.complex.replicas\":2}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"feasible\":false"), std::string::npos);
  EXPECT_NE(json.find("[0.010999999999999999,9],[null,null]"), std::string::npos) << json;
  EXPECT_EQ(json.find("station_visits"), std::string::npos);  // des backend
  t.backend = "mc";
  t.station_visits = 1000;
  t.wall_seconds = 4;
  EXPECT_NE(sweep_json(t, s).find("\"station_visits_per_s\":250"), std::string::npos);
}

TEST(SweepResults, LowerBoundForGreaterThanAndMaximize) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "design: list\n"
      "replications: 2\n"
      "parameters:\n"
      "  - {path: components.complex.replicas, values: [1, 2, 3]}\n"
      "constraints:\n"
      "  - {metric: gate.accepted_share, target: \">= 75%\"}\n"
      "objective: {maximize: done.throughput_per_s}\n");
  SweepTable t = table_for(s, {
                                  0.76, 100, 0.90, 100,  // mean 0.83, lower bound far below 0.75
                                  0.80, 50, 0.80, 50,    // exactly 0.80: feasible
                                  0.90, 50, 0.90, 50,    // feasible, ties with p1 on throughput
                              });
  t.metric_names = {"gate.accepted_share", "done.throughput_per_s"};
  summarise(t, s);
  EXPECT_EQ(t.feasible, (std::vector<std::uint8_t>{0, 1, 1}));
  EXPECT_EQ(t.optimum, 1);  // tie: the lowest index
}

TEST(SweepResults, OneReplicationUsesTheMean) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "design: list\n"
      "parameters:\n"
      "  - {path: components.complex.replicas, values: [1, 2]}\n"
      "constraints:\n"
      "  - {metric: done.p99_latency_s, target: \"< 50ms\"}\n"
      "objective: {minimize: cost.per_hour}\n");
  SweepTable t = table_for(s, {0.049, 1.0, 0.051, 0.5});
  summarise(t, s);
  EXPECT_TRUE(std::isinf(t.half_width[0]));
  EXPECT_EQ(t.feasible, (std::vector<std::uint8_t>{1, 0}));
  EXPECT_EQ(t.optimum, 0);
  EXPECT_NE(optimum_text(t, s).find("one replication"), std::string::npos);
}

TEST(SweepResults, NoFeasiblePointNamesTheClosest) {
  const SweepSpec s = load_spec(kSpec);
  SweepTable t = table_for(s, {
                                  0.20,
                                  1,
                                  0.20,
                                  1,
                                  0.20,
                                  1,  // 4x the target
                                  0.06,
                                  2,
                                  0.06,
                                  2,
                                  0.06,
                                  2,  // closest
                                  0.10,
                                  3,
                                  0.10,
                                  3,
                                  0.10,
                                  3,
                              });
  summarise(t, s);
  EXPECT_EQ(t.optimum, -1);
  const std::string text = optimum_text(t, s);
  EXPECT_NE(text.find("no point meets every constraint"), std::string::npos) << text;
  EXPECT_NE(text.find("the closest is point 1 (components.complex.replicas=2)"), std::string::npos)
      << text;
  EXPECT_NE(sweep_json(t, s).find("\"optimum\":null"), std::string::npos);
}

TEST(SweepResults, NoObjectiveLeavesNoOptimum) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "design: list\n"
      "parameters:\n"
      "  - {path: components.complex.replicas, values: [1, 2]}\n");
  SweepTable t = table_for(s, {1, 2, 3, 4});
  summarise(t, s);
  EXPECT_EQ(t.optimum, -1);
  EXPECT_EQ(t.feasible, (std::vector<std::uint8_t>{1, 1}));
}

TEST(SweepResults, UnknownMetricIsAConfigErrorAtTheSpecKey) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "design: list\n"
      "parameters:\n"
      "  - {path: components.complex.replicas, values: [1]}\n"
      "constraints:\n"
      "  - {metric: done.p99_latncy_s, target: \"< 50ms\"}\n"
      "objective: {minimize: cost.per_hour}\n");
  SweepTable t = table_for(s, {0.01, 1.0});
  try {
    summarise(t, s);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("spec.yaml:6:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'done.p99_latency_s'"), std::string::npos) << msg;
  }
  t.metric_names = {"done.p99_latncy_s", "cost.per_day"};
  try {
    summarise(t, s);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("spec.yaml:7:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cost.per_hour"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace scalesim
