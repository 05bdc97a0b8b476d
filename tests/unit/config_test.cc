// Configuration mistakes give one clear message with file:line:column and the key.
#include <gtest/gtest.h>

#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

std::string error_for(const std::string& yaml) {
  try {
    QueueingNetwork::from_config(ConfigNode::load_string(yaml, "net.yaml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kGood = R"(name: ok
components:
  src:
    type: source
    arrivals: {process: poisson, rate: 10/s}
    customers: 100
    to: q
  q:
    type: station
    service: {distribution: exponential, mean: 10ms}
    to: out
  out:
    type: sink
)";

TEST(Config, GoodNetworkBuildsInDocumentOrder) {
  const auto net = QueueingNetwork::from_config(ConfigNode::load_string(kGood));
  ASSERT_EQ(net.lp_count(), 3u);
  EXPECT_EQ(net.name_of(0), "src");
  EXPECT_EQ(net.name_of(2), "out");
  EXPECT_EQ(net.get<Station>("q").servers(), 1u);
}

TEST(Config, SyntaxErrorHasLineAndColumn) {
  const std::string e = error_for("name: x\ncomponents:\n  a: [1, 2\n");
  EXPECT_NE(e.find("net.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST(Config, UnknownKeySuggestsTheClosest) {
  std::string y = kGood;
  y.replace(y.find("servic"), 7, "sevice");
  const std::string e = error_for(y);
  EXPECT_NE(
      e.find("net.yaml:10:5: 'components.q.sevice': unknown key 'sevice'; did you mean 'service'?"),
      std::string::npos)
      << e;
}

TEST(Config, MissingComponentReferenceIsNamed) {
  std::string y = kGood;
  y.replace(y.find("to: out"), 7, "to: ou");
  const std::string e = error_for(y);
  EXPECT_NE(
      e.find("net.yaml:11:9: 'components.q.to': no component named 'ou'; did you mean 'out'?"),
      std::string::npos)
      << e;
}

TEST(Config, WrongUnitsAndTypesAreRejected) {
  std::string y = kGood;
  y.replace(y.find("10ms"), 4, "10");
  EXPECT_NE(error_for(y).find("has no unit"), std::string::npos) << error_for(y);
  y = kGood;
  y.replace(y.find("10/s"), 4, "10/s/s");
  EXPECT_NE(error_for(y).find("unknown rate unit"), std::string::npos);
  y = kGood;
  y.replace(y.find("customers: 100"), 14, "customers: many");
  EXPECT_NE(error_for(y).find("'components.src.customers': expected a number"), std::string::npos)
      << error_for(y);
  y = kGood;
  y.replace(y.find("type: station"), 13, "type: staton");
  EXPECT_NE(error_for(y).find("unknown component type 'staton'; did you mean 'station'?"),
            std::string::npos);
  y = kGood;
  y.replace(y.find("exponential"), 11, "gaussian");
  EXPECT_NE(error_for(y).find("unknown distribution 'gaussian'"), std::string::npos);
}

TEST(Config, StationCapacityErrorsNameTheKey) {
  std::string y = kGood;
  y.replace(y.find("type: station"), 13, "type: station\n    capacity: 0");
  const std::string below = error_for(y);
  EXPECT_NE(below.find("capacity 0 is below the"), std::string::npos) << below;
  EXPECT_NE(below.find(".capacity'"), std::string::npos) << below;
  y = kGood;
  y.replace(y.find("type: station"), 13, "type: station\n    on_reject: out");
  const std::string orphan = error_for(y);
  EXPECT_NE(orphan.find("on_reject needs a capacity"), std::string::npos) << orphan;
}

TEST(Config, StationAbandonmentErrorsNameTheKey) {
  std::string y = kGood;
  y.replace(y.find("type: station"), 13,
            "type: station\n    patience: {distribution: exponential, mean: -2s}");
  const std::string negative = error_for(y);
  EXPECT_NE(negative.find("may not be negative"), std::string::npos) << negative;
  EXPECT_NE(negative.find(".patience.mean'"), std::string::npos) << negative;
  y = kGood;
  y.replace(y.find("type: station"), 13, "type: station\n    deadline: 0s");
  const std::string zero = error_for(y);
  EXPECT_NE(zero.find("a deadline must be positive"), std::string::npos) << zero;
  EXPECT_NE(zero.find(".deadline'"), std::string::npos) << zero;
  y = kGood;
  y.replace(y.find("type: station"), 13, "type: station\n    on_abandon: out");
  const std::string orphan = error_for(y);
  EXPECT_NE(orphan.find("on_abandon needs a patience or a deadline"), std::string::npos) << orphan;
}

TEST(Config, StationDisciplineErrorsNameTheKey) {
  const auto with = [](const std::string& keys) {
    std::string y = kGood;
    y.replace(y.find("type: station"), 13, "type: station\n    " + keys);
    return error_for(y);
  };
  const std::string typo = with("discipline: priorty");
  EXPECT_NE(typo.find("unknown discipline 'priorty'"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean 'priority'"), std::string::npos) << typo;
  EXPECT_NE(typo.find(".discipline'"), std::string::npos) << typo;
  const std::string missing = with("discipline: priority");
  EXPECT_NE(missing.find("needs `priorities:`"), std::string::npos) << missing;
  // A class is a source: a station, sink or anything else is not a request class.
  const std::string not_a_class = with("discipline: priority\n    priorities: {src: 0, out: 1}");
  EXPECT_NE(not_a_class.find("'out' is not a source or trace"), std::string::npos) << not_a_class;
  EXPECT_NE(not_a_class.find(".priorities.out'"), std::string::npos) << not_a_class;
  const std::string unknown = with("discipline: priority\n    priorities: {srx: 0}");
  EXPECT_NE(unknown.find("srx"), std::string::npos) << unknown;
  const std::string level = with("discipline: priority\n    priorities: {src: 16}");
  EXPECT_NE(level.find("a priority level lies in 0..15"), std::string::npos) << level;
  const std::string fifo = with("priorities: {src: 0}");
  EXPECT_NE(fifo.find("priorities need `discipline: priority`"), std::string::npos) << fifo;
  const std::string ps =
      with("discipline: processor_sharing\n    patience: {distribution: exponential, mean: 1s}");
  EXPECT_NE(ps.find("work with discipline fifo only"), std::string::npos) << ps;
  EXPECT_NE(ps.find(".patience'"), std::string::npos) << ps;
}

TEST(Config, StationBatchErrorsNameTheKey) {
  const auto with = [](const std::string& keys) {
    std::string y = kGood;
    y.replace(y.find("type: station"), 13, "type: station\n    " + keys);
    return error_for(y);
  };
  const std::string no_size = with("batch: {min: 2}");
  EXPECT_NE(no_size.find("a batch needs `max`"), std::string::npos) << no_size;
  EXPECT_NE(no_size.find(".batch'"), std::string::npos) << no_size;
  const std::string min = with("batch: {max: 4, min: 5}");
  EXPECT_NE(min.find("min lies in 1..max (4)"), std::string::npos) << min;
  EXPECT_NE(min.find(".batch.min'"), std::string::npos) << min;
  const std::string size =
      with("batch: {max: 4, service_by_size: {9: {distribution: exponential, mean: 1s}}}");
  EXPECT_NE(size.find("a whole number in 1..max (4), not '9'"), std::string::npos) << size;
  const std::string ps = with("discipline: processor_sharing\n    batch: {max: 4}");
  EXPECT_NE(ps.find("batch service works with discipline fifo only"), std::string::npos) << ps;
}

TEST(Config, NonPositiveValuesAreRejected) {
  std::string y = kGood;
  y.replace(y.find("mean: 10ms"), 10, "mean: 0ms");
  EXPECT_NE(error_for(y).find("mean must be greater than zero"), std::string::npos) << error_for(y);
  y = kGood;
  y.replace(y.find("customers: 100"), 14, "customers: 0");
  EXPECT_NE(error_for(y).find("must be at least 1"), std::string::npos);
}

std::string router_net(const std::string& w1, const std::string& w2, const std::string& w3) {
  return "components:\n"
         "  s: {type: source, arrivals: {process: poisson, rate: 100/s}, customers: 2000, to: r}\n"
         "  r:\n"
         "    type: router\n"
         "    routes:\n"
         "      - {to: a, probability: " +
         w1 + "}\n      - {to: b, probability: " + w2 + "}\n      - {to: c, probability: " + w3 +
         "}\n"
         "  a: {type: station, service: {distribution: exponential, mean: 5ms}, to: k}\n"
         "  b: {type: station, service: {distribution: exponential, mean: 5ms}, to: k}\n"
         "  c: {type: station, service: {distribution: exponential, mean: 5ms}, to: k}\n"
         "  k: {type: sink}\n";
}

TEST(Config, RouterWeightsAreNormalised) {
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(router_net("1", "1", "1")));
  const Router& r = net.get<Router>("r");
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(r.probability(i), 1.0 / 3.0);
  // 2:1:1 is the same router as 0.5/0.25/0.25 (exact in binary), so the runs match bit for bit.
  auto weights = QueueingNetwork::from_config(ConfigNode::load_string(router_net("2", "1", "1")));
  auto shares =
      QueueingNetwork::from_config(ConfigNode::load_string(router_net("0.5", "0.25", "0.25")));
  EXPECT_EQ(weights.get<Router>("r").probability(0), 0.5);
  EXPECT_EQ(weights.get<Router>("r").probability(1), 0.25);
  const NetworkRun a = simulate(weights, 3);
  const NetworkRun b = simulate(shares, 3);
  EXPECT_EQ(a.result_hash, b.result_hash);
  EXPECT_GT(a.counters.events_processed, 0u);
}

TEST(Config, RouterWeightsMustBeNonNegativeAndNotAllZero) {
  std::string e = error_for(router_net("1", "-1", "1"));
  EXPECT_NE(e.find("net.yaml:7:30: 'components.r.routes[1].probability': must be a non-negative"),
            std::string::npos)
      << e;
  e = error_for(router_net("0", "0", "0"));
  EXPECT_NE(e.find("net.yaml:6:7: 'components.r.routes': route probabilities are all zero"),
            std::string::npos)
      << e;
}

TEST(Config, EnsembleMembersMustAnswerTheEnsemble) {
  const std::string e = error_for(R"(components:
  s: {type: source, arrivals: {process: poisson, rate: 10/s}, customers: 5, to: e}
  e:
    type: ensemble
    members: [a, b]
    to: k
  a: {type: station, service: {distribution: exponential, mean: 5ms}, to: e}
  b: {type: station, service: {distribution: exponential, mean: 5ms}, to: k}
  k: {type: sink}
)");
  EXPECT_NE(e.find("net.yaml:8:75: 'components.b.to': ensemble member 'b' sends its answers to "
                   "'k', not back to the ensemble 'e'"),
            std::string::npos)
      << e;
}

TEST(Config, NeverEndingRunIsRejected) {
  std::string y = kGood;
  y.replace(y.find("    customers: 100\n"), 19, "");
  EXPECT_NE(error_for(y).find("the run would never end"), std::string::npos) << error_for(y);
}

TEST(Config, MissingFileIsReported) {
  try {
    ConfigNode::load_file("/nonexistent/net.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/net.yaml: cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

constexpr const char* kKnobs = R"(name: knobs
knobs:
  mean: &mean 5ms   # thresholds
end: {time: 1s}
components:
  src: {type: source, arrivals: {process: poisson, rate: 10/s}, to: a}
  a: {type: station, service: {distribution: exponential, mean: *mean}, to: b}
  b: {type: station, service: {distribution: exponential, mean: *mean}, to: out}
  out: {type: sink}
)";

std::string mean_of(const ConfigNode& root, const std::string& station) {
  return root.at("components").at(station).at("service").string("mean");
}

TEST(Knobs, AKnobChangesEveryUseAComponentPathOnlyItsOwn) {
  ConfigNode all = ConfigNode::load_string(kKnobs, "knobs.yaml");
  all.set_path("knobs.mean", "1ms");
  EXPECT_EQ(mean_of(all, "a"), "1ms");
  EXPECT_EQ(mean_of(all, "b"), "1ms");
  ConfigNode one = ConfigNode::load_string(kKnobs, "knobs.yaml");
  one.set_path("components.a.service.mean", "2ms");
  EXPECT_EQ(mean_of(one, "a"), "2ms");
  EXPECT_EQ(mean_of(one, "b"), "5ms");
  EXPECT_EQ(one.at("knobs").string("mean"), "5ms");
  EXPECT_NO_THROW((void)QueueingNetwork::from_config(one));
}

TEST(Knobs, AMisspeltKnobIsAnErrorNotASilentNoOp) {
  ConfigNode root = ConfigNode::load_string(kKnobs, "knobs.yaml");
  try {
    root.set_path("knobs.meen", "1ms");
    FAIL() << "a knob that does not exist was set";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no knob 'meen'; did you mean 'mean'?"), std::string::npos)
        << e.what();
  }
  // Knobs is a mapping; the error points at its line.
  EXPECT_NE(error_for("name: t\nknobs: [1, 2]\ncomponents:\n  s: {type: sink}\n").find("knobs"),
            std::string::npos);
  EXPECT_NE(error_for("name: t\ntemplate: {title: x, use_cases: [], patterns: [cascade]}\n"
                      "components:\n  s: {type: sink}\n")
                .find("use_cases lists at least one entry"),
            std::string::npos);
}

}  // namespace
}  // namespace scalesim
