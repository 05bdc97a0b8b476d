#include "sweep/sweep_spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "sweep_test_util.h"

namespace scalesim {
namespace {

using test::expect_spec_error;
using test::load_spec;

double num(const std::string& s) {
  return std::stod(s);
}

TEST(SweepSpec, GridOrderCountAndDefaults) {
  const SweepSpec s = load_spec(
      "name: t\n"
      "base: cascade.yaml\n"
      "set: {end.time: 20s}\n"
      "parameters:\n"
      "  - {path: components.gate.threshold, range: [0.5, 0.9], steps: 5}\n"
      "  - {path: components.complex.replicas, values: [1, 2, 3]}\n");
  EXPECT_EQ(s.design, "grid");
  EXPECT_EQ(s.replications, 1);
  EXPECT_EQ(s.seed, 1u);  // the base config's seed
  EXPECT_EQ(s.name, "t");
  ASSERT_EQ(s.points.size(), 15u);
  const double expect_threshold[] = {0.5, 0.6, 0.7, 0.8, 0.9};
  for (std::size_t i = 0; i < 15; ++i) {
    // The first parameter varies slowest.
    EXPECT_NEAR(num(s.points[i][0]), expect_threshold[i / 3], 1e-12) << i;
    EXPECT_EQ(s.points[i][1], std::to_string(i % 3 + 1)) << i;
  }
  EXPECT_EQ(s.points[0][0], "0.5");  // both ends exact
  EXPECT_EQ(s.points[14][0], "0.9");
  for (const auto& row : s.points)  // values round-trip through their text
    EXPECT_EQ(std::to_string(std::stod(row[0])), std::to_string(num(row[0])));
  EXPECT_EQ(s.point_label(1), "components.gate.threshold=0.5, components.complex.replicas=2");
  EXPECT_EQ(s.base.at("end").at("time").as_string(), "20s");
}

TEST(SweepSpec, ListDesign) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "design: list\n"
      "replications: 4\n"
      "seed: 7\n"
      "parameters:\n"
      "  - {path: components.gate.threshold, values: [0.6, 0.7, 0.8]}\n"
      "  - {path: components.fast.model, values: [distilbert, bert-base, \"a: b\"]}\n");
  ASSERT_EQ(s.points.size(), 3u);
  EXPECT_EQ(s.points[1][0], "0.7");
  EXPECT_EQ(s.points[1][1], "bert-base");
  EXPECT_EQ(s.points[2][1], "\"a: b\"");  // quoted so it stays one scalar
  EXPECT_EQ(s.config_for(2).at("components").at("fast").string("model"), "a: b");
  EXPECT_EQ(s.replications, 4);
  EXPECT_EQ(s.seed, 7u);
}

TEST(SweepSpec, LatinHypercubeOnePointPerStratum) {
  const std::string text =
      "base: cascade.yaml\n"
      "design: lhs\n"
      "points: 20\n"
      "parameters:\n"
      "  - {path: components.gate.threshold, range: [0.5, 0.95]}\n"
      "  - {path: components.requests.rate_example, range: [10, 1000], scale: log}\n"
      "  - {path: components.complex.replicas, values: [1, 2, 3, 4]}\n";
  const SweepSpec s = load_spec(text);
  ASSERT_EQ(s.points.size(), 20u);
  std::set<int> lin, lg;
  std::map<std::string, int> picks;
  for (const auto& row : s.points) {
    const double a = num(row[0]), b = num(row[1]);
    ASSERT_GE(a, 0.5);
    ASSERT_LE(a, 0.95);
    ASSERT_GE(b, 10);
    ASSERT_LE(b, 1000);
    lin.insert(static_cast<int>(std::floor((a - 0.5) / 0.45 * 20)));
    lg.insert(static_cast<int>(std::floor(std::log(b / 10) / std::log(100.0) * 20)));
    ++picks[row[2]];
  }
  EXPECT_EQ(lin.size(), 20u);  // every stratum exactly once
  EXPECT_EQ(lg.size(), 20u);
  ASSERT_EQ(picks.size(), 4u);  // 5 strata map to each of the 4 values
  for (const auto& [v, n] : picks) EXPECT_EQ(n, 5) << v;
  // The same spec gives the same points; another seed other points.
  EXPECT_EQ(load_spec(text).points, s.points);
  EXPECT_NE(load_spec(text + "seed: 2\n").points, s.points);
}

TEST(SweepSpec, RandomWithinRangeLogAndInteger) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "design: random\n"
      "points: 200\n"
      "parameters:\n"
      "  - {path: components.gate.threshold, range: [0.5, 0.95]}\n"
      "  - {path: components.requests.rate_example, range: [100, 10000], scale: log, integer: "
      "true}\n");
  ASSERT_EQ(s.points.size(), 200u);
  int below_1000 = 0;
  for (const auto& row : s.points) {
    EXPECT_GE(num(row[0]), 0.5);
    EXPECT_LE(num(row[0]), 0.95);
    EXPECT_EQ(row[1].find_first_not_of("0123456789"), std::string::npos) << row[1];
    const double r = num(row[1]);
    EXPECT_GE(r, 100);
    EXPECT_LE(r, 10000);
    below_1000 += r < 1000 ? 1 : 0;
  }
  // Log-uniform: about half the points below the geometric middle (1000).
  EXPECT_GT(below_1000, 70);
  EXPECT_LT(below_1000, 130);
}

TEST(SweepSpec, LogGridAndIntegerDedup) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "parameters:\n"
      "  - {path: components.requests.rate_example, range: [1, 1000], steps: 4, scale: log}\n");
  ASSERT_EQ(s.points.size(), 4u);
  const double expect[] = {1, 10, 100, 1000};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(num(s.points[i][0]), expect[i], 1e-9 * expect[i]);

  const SweepSpec d = load_spec(
      "base: cascade.yaml\n"
      "parameters:\n"
      "  - {path: components.complex.replicas, range: [1, 10], steps: 10, scale: log, "
      "integer: true}\n");
  const SweepSpec u = load_spec(
      "base: cascade.yaml\n"
      "parameters:\n"
      "  - {path: components.requests.arrivals.rate, range: [1000, 3000], steps: 3, unit: /s}\n");
  EXPECT_EQ(u.points[1][0], "2000/s");
  EXPECT_EQ(u.config_for(2).at("components").at("requests").at("arrivals").rate("rate"), 3000.0);

  std::vector<std::string> got;
  for (const auto& row : d.points) got.push_back(row[0]);
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "8", "10"}));
}

TEST(SweepSpec, Errors) {
  const std::string head = "base: cascade.yaml\nparameters:\n";  // lines 1-2
  const std::string p = "  - {path: components.gate.threshold, values: [0.5]}\n";
  expect_spec_error(head + p + "replicatoins: 3\n", 4, "did you mean 'replications'");
  expect_spec_error("parameters:\n" + p, 1, "missing required key 'base'");
  expect_spec_error("base: nowhere.yaml\nparameters:\n" + p, 1, "cannot open the base config");
  expect_spec_error(head + "  - {path: components.gatee.threshold, values: [1]}\n", 3,
                    "did you mean 'gate'");
  expect_spec_error(head + "  - {path: components.gate.threshold.x, values: [1]}\n", 3,
                    "is not a mapping");
  expect_spec_error(head + "  - {path: components.gate.threshold, values: []}\n", 3,
                    "empty list of values");
  expect_spec_error(head + "  - {path: components.gate.threshold, range: [0.9, 0.5], steps: 3}\n",
                    3, "low end is above");
  expect_spec_error(head +
                        "  - {path: components.gate.threshold, range: [0, 1], steps: 3, "
                        "scale: log}\n",
                    3, "log scale needs a range above 0");
  expect_spec_error(head + "  - {path: components.gate.threshold, range: [0.5, 1], steps: 1}\n", 3,
                    "steps must be at least 2");
  expect_spec_error(head + "  - {path: components.gate.threshold, range: [0.5, 1]}\n", 3,
                    "needs steps");
  expect_spec_error(head +
                        "  - {path: components.gate.threshold, range: [0.5, 1]}\n"
                        "design: lhs\npoints: 0\n",
                    5, "points must be at least 1");
  expect_spec_error(head +
                        "  - {path: components.gate.threshold, range: [0.5, 1]}\n"
                        "design: random\n",
                    1, "needs points");
  expect_spec_error(head +
                        "  - {path: components.gate.threshold, range: [0.5, 1], steps: 101}\n"
                        "  - {path: components.fast.replicas, range: [1, 101], steps: 101}\n"
                        "  - {path: components.complex.replicas, range: [1, 101], steps: 101}\n",
                    3, "more than 1000000 points");
  expect_spec_error(head +
                        "  - {path: components.gate.threshold, values: [0.5, 0.6]}\n"
                        "  - {path: components.fast.replicas, values: [1, 2, 3]}\n"
                        "design: list\n",
                    4, "has 3 values, but the first parameter has 2");
  expect_spec_error(head + p + "replications: 0\n", 4, "replications must be");
  expect_spec_error(head + "  - {path: components.gate.threshold, values: [1], unit: ms}\n", 3,
                    "unit applies to a range");
  expect_spec_error(head + p + "  - {path: components.gate.threshold, values: [0.6]}\n", 4,
                    "listed twice");
  expect_spec_error(head + p + "design: grd\n", 4, "did you mean 'grid'");
  expect_spec_error(head + p +
                        "constraints:\n"
                        "  - {name: p99, metric: done.p99_latency_s, target: \"50ms\"}\n",
                    5, "a target starts with <");
  expect_spec_error(head + p + "objective: {}\n", 4, "minimize: METRIC or maximize: METRIC");
  expect_spec_error(head + p + "objective: {minimise: cost.per_hour}\n", 4,
                    "did you mean 'minimize'");
  expect_spec_error(head + p + "metrics: [a]\nobjective: {minimize: b}\n", 5,
                    "'b' is not in the sweep's metrics list");
  expect_spec_error(head + p + "set: {ennd.time: 20s}\n", 4, "did you mean 'end'");
}

TEST(SweepSpec, ConfigForIsADeepCopy) {
  const SweepSpec s = load_spec(
      "base: cascade.yaml\n"
      "set: {end.time: 20s}\n"
      "parameters:\n"
      "  - {path: components.gate.threshold, values: [0.55, 0.65]}\n"
      "  - {path: components.gate.extra_key, values: [x]}\n");  // absent key, parent exists
  ConfigNode c0 = s.config_for(0);
  const ConfigNode c1 = s.config_for(1);
  EXPECT_EQ(c0.at("components").at("gate").string("threshold"), "0.55");
  EXPECT_EQ(c1.at("components").at("gate").string("threshold"), "0.65");
  EXPECT_EQ(c1.at("components").at("gate").string("extra_key"), "x");
  EXPECT_EQ(c0.at("end").string("time"), "20s");  // the spec's overrides apply to every point
  c0.set_path("components.gate.threshold", "0.99");
  c0.set_path("seed", "42");
  EXPECT_EQ(c1.at("components").at("gate").string("threshold"), "0.65");
  EXPECT_EQ(s.config_for(0).at("components").at("gate").string("threshold"), "0.55");
  EXPECT_EQ(s.base.at("components").at("gate").string("threshold"), "0.8");
  EXPECT_FALSE(s.base.at("components").at("gate").has("extra_key"));
  EXPECT_EQ(s.base.string("seed"), "1");
  // Untouched keys keep their place in the base file for error messages.
  EXPECT_NE(c1.at("components").at("fast").at("model").location().find("cascade.yaml:"),
            std::string::npos);
}

TEST(SweepSpec, FingerprintStableAndSensitive) {
  const std::string text =
      "base: cascade.yaml\n"
      "set: {end.time: 20s}\n"
      "replications: 3\n"
      "metrics: [done.p99_latency_s, cost.per_hour]\n"
      "parameters:\n"
      "  - {path: components.gate.threshold, range: [0.5, 0.9], steps: 3}\n";
  const std::uint64_t fp = load_spec(text).fingerprint;
  EXPECT_NE(fp, 0u);
  EXPECT_EQ(load_spec(text).fingerprint, fp);
  // Comments, formatting, key order, the name and the constraints do not change it.
  EXPECT_EQ(load_spec("# a comment\nname: other\n" + text +
                      "constraints: [{metric: cost.per_hour, target: \"< 1\"}]\n")
                .fingerprint,
            fp);
  const std::string reordered =
      "replications:   3\n"
      "base: cascade.yaml\n"
      "parameters:\n"
      "  - path: components.gate.threshold\n"
      "    range: [0.5, 0.9]\n"
      "    steps: 3\n"
      "metrics:\n  - done.p99_latency_s\n  - cost.per_hour\n"
      "set:\n  end.time: 20s\n";
  EXPECT_EQ(load_spec(reordered).fingerprint, fp);
  auto changed = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    return load_spec(t).fingerprint;
  };
  EXPECT_NE(changed("20s", "30s"), fp);  // the base config
  EXPECT_NE(changed("replications: 3", "replications: 4"), fp);
  EXPECT_NE(changed("steps: 3", "steps: 4"), fp);             // the points
  EXPECT_NE(changed("cost.per_hour]", "cost.per_day]"), fp);  // the metrics
  EXPECT_NE(load_spec(text + "seed: 9\n").fingerprint, fp);
}

}  // namespace
}  // namespace scalesim
