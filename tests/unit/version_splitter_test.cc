// The version splitter's injected slowdown (`fault.delay`) and the rollback it must trigger when
// the canary's p99 breaks `rollback.max_p99`. Deterministic 1 ms service on four servers per
// version and zero link latencies keep every answer's latency near 1 ms, so a delay shows as a
// shift of its size.
#include <gtest/gtest.h>

#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

// Steps 10%, 50%, 100% of 10 s each; rollback above a 20 ms p99; `fault` is YAML or empty.
std::string canary_net(const std::string& fault) {
  return "seed: 5\n"
         "end: {time: 40s}\n"
         "components:\n"
         "  requests: {type: source, arrivals: {process: poisson, rate: 1000/s}, to: split}\n"
         "  split:\n"
         "    type: version_splitter\n"
         "    stable: v1\n"
         "    canary: v2\n"
         "    steps: [10%, 50%, 100%]\n"
         "    step_duration: 10s\n"
         "    rollback: {max_p99: 20ms, min_answers: 50}\n" +
         (fault.empty() ? std::string() : "    fault: " + fault + "\n") +
         "    to: done\n"
         "  v1: {type: station, servers: 4, service: {distribution: deterministic, value: 1ms}, "
         "to: split}\n"
         "  v2: {type: station, servers: 4, service: {distribution: deterministic, value: 1ms}, "
         "to: split}\n"
         "  done: {type: sink}\n";
}

struct Outcome {
  QueueingNetwork net;
  const VersionSplitter& split() const { return net.get<VersionSplitter>("split"); }
};

Outcome run(const std::string& fault) {
  Outcome o{QueueingNetwork::from_config(ConfigNode::load_string(canary_net(fault), "net.yaml"))};
  simulate(o.net, o.net.settings().seed);
  return o;
}

constexpr int kStable = VersionSplitter::kStable, kCanary = VersionSplitter::kCanary;

TEST(VersionSplitter, WithoutAFaultTheCanaryRollsOut) {
  const Outcome o = run("");
  EXPECT_FALSE(o.split().rolled_back());
  ASSERT_TRUE(o.split().rolled_out());
  EXPECT_EQ(o.split().rolled_out_at(), 20 * kSecond);
  // Service 1 ms plus waits of at most a few hundred microseconds at one Erlang on 4 servers.
  EXPECT_NEAR(o.split().latency_stats(kCanary).mean(), 1.0e-3, 0.3e-3);
}

TEST(VersionSplitter, FaultDelayShiftsCanaryAnswersByItsSize) {
  // 10 ms from 1 ms on keeps the p99 (~11 ms) under the 20 ms rule: no rollback, every canary
  // answer but the first millisecond's is 10 ms later, stable answers are not.
  const Outcome o = run("{at: 1ms, delay: 10ms}");
  EXPECT_FALSE(o.split().rolled_back());
  EXPECT_TRUE(o.split().rolled_out());
  EXPECT_NEAR(o.split().latency_stats(kCanary).mean(), 11.0e-3, 0.3e-3);
  EXPECT_NEAR(o.split().latency_stats(kStable).mean(), 1.0e-3, 0.3e-3);
}

TEST(VersionSplitter, SlowCanaryIsRolledBackAtTheEndOfItsStep) {
  // 50 ms from 5 s: half of the first step's canary answers break the 20 ms p99 rule, so the
  // canary is rolled back when that step is judged at 10 s and gets no traffic afterwards.
  const Outcome o = run("{at: 5s, delay: 50ms}");
  ASSERT_TRUE(o.split().rolled_back());
  EXPECT_EQ(o.split().rolled_back_at(), 10 * kSecond);
  EXPECT_FALSE(o.split().rolled_out());
  EXPECT_EQ(o.split().share(), 0.0);
  // ~10% of the first 10 s of 1000/s: 1000 requests, 5 standard deviations either side.
  EXPECT_NEAR(static_cast<double>(o.split().sent(kCanary)), 1000.0, 5.0 * 30.0);
  EXPECT_GT(o.split().latency_stats(kCanary).mean(), 20.0e-3);
}

}  // namespace
}  // namespace scalesim
