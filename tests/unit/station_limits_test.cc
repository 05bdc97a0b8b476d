// A station's limits and disciplines on deterministic schedules where every event can be worked
// out by hand: patience (who gives up, who is served, after how long), the end-to-end deadline
// (which counts from the request's creation, not from its arrival at the station), priorities
// with and without preemption, and processor sharing.
#include <gtest/gtest.h>

#include <string>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"

namespace scalesim {
namespace {

// Arrivals every 0.5 s, one server of 2 s, patience 1.2 s. The server is busy over [0, 2),
// [2, 4), ...: of arrivals 0..11 (times 0, 0.5, ... 5.5 after the first), the ones served are
// 0 (no wait), 2, 6 and 10 (each waited 1 s: it arrived 1 s before the server freed, within its
// patience); the other eight give up after exactly 1.2 s.
TEST(StationLimits, DeterministicPatienceServesAndDropsTheRightRequests) {
  const std::string y = R"(name: patience
components:
  src:
    type: source
    arrivals: {process: deterministic, rate: 2/s}
    customers: 12
    to: pool
  pool:
    type: station
    service: {distribution: deterministic, value: 2s}
    patience: {distribution: deterministic, value: 1200ms}
    on_abandon: gave_up
    to: served
  served: {type: sink}
  gave_up: {type: sink}
)";
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "patience.yaml"));
  simulate(net, 1);
  const auto& pool = net.get<Station>("pool");
  EXPECT_EQ(pool.departures(), 4u);
  EXPECT_EQ(pool.abandoned(), 8u);
  EXPECT_EQ(net.get<Sink>("gave_up").arrived(), 8u);
  EXPECT_DOUBLE_EQ(pool.abandonment_probability(), 8.0 / 12.0);
  EXPECT_NEAR(pool.wait().mean(), 3.0 / 4.0, 1e-9);
  EXPECT_NEAR(pool.time_to_abandon().mean(), 1.2, 1e-9);
  EXPECT_NEAR(pool.time_to_abandon().variance(), 0.0, 1e-12);
}

// The deadline is end to end: the first station holds each request 3 s, longer than the 2.5 s
// deadline, so every request reaches the second station already late and leaves at once,
// without waiting and without being served. With the deadline at the first station instead,
// nobody would wait there long (arrivals 10 s apart) and all are served.
TEST(StationLimits, DeadlineCountsFromCreationNotFromArrival) {
  const std::string y = R"(name: deadline
components:
  src:
    type: source
    arrivals: {process: deterministic, rate: 0.1/s}
    customers: 5
    to: first
  first:
    type: station
    service: {distribution: deterministic, value: 3s}
    deadline: 2500ms
    to: second
  second:
    type: station
    service: {distribution: deterministic, value: 1s}
    deadline: 2500ms
    to: out
  out: {type: sink}
)";
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "deadline.yaml"));
  simulate(net, 1);
  const auto& first = net.get<Station>("first");
  const auto& second = net.get<Station>("second");
  EXPECT_EQ(first.departures(), 5u);
  EXPECT_EQ(first.abandoned(), 0u);
  EXPECT_EQ(second.arrivals(), 5u);
  EXPECT_EQ(second.departures(), 0u);
  EXPECT_EQ(second.abandoned(), 5u);  // dropped: no on_abandon
  EXPECT_EQ(second.time_to_abandon().mean(), 0.0);
  EXPECT_EQ(net.get<Sink>("out").arrived(), 0u);
}

// Capacity counts only customers still waiting: those who gave up free their place at once.
TEST(StationLimits, AbandonedRequestsFreeCapacity) {
  const std::string y = R"(name: both
components:
  src:
    type: source
    arrivals: {process: deterministic, rate: 2/s}
    customers: 12
    to: pool
  pool:
    type: station
    capacity: 2
    service: {distribution: deterministic, value: 2s}
    patience: {distribution: deterministic, value: 400ms}
    to: served
  served: {type: sink}
)";
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "both.yaml"));
  simulate(net, 1);
  const auto& pool = net.get<Station>("pool");
  // Each request after the first in a 2 s busy period finds one in service, waits 0.4 s and
  // leaves before the next arrives, so nobody is ever rejected and only one in four is served.
  EXPECT_EQ(pool.rejected(), 0u);
  EXPECT_EQ(pool.departures(), 3u);
  EXPECT_EQ(pool.abandoned(), 9u);
}

// Two jobs of 2 s on one processor-shared server, arriving 1 s apart: the first runs alone for
// 1 s, then both run at half speed until the first finishes its last second (2 s later), and the
// second finishes its last second alone. Both stay 3 s.
TEST(StationLimits, ProcessorSharingByHand) {
  const std::string y = R"(name: ps
components:
  src:
    type: source
    arrivals: {process: deterministic, rate: 1/s}
    customers: 2
    to: cpu
  cpu:
    type: station
    discipline: processor_sharing
    service: {distribution: deterministic, value: 2s}
    to: out
  out: {type: sink}
)";
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "ps.yaml"));
  const NetworkRun run = simulate(net, 1);
  const auto& cpu = net.get<Station>("cpu");
  EXPECT_EQ(cpu.departures(), 2u);
  EXPECT_NEAR(cpu.sojourn().mean(), 3.0, 1e-8);
  EXPECT_NEAR(cpu.sojourn().variance(), 0.0, 1e-12);
  EXPECT_EQ(to_seconds(run.end_time), 5.0);  // arrivals at 1 s and 2 s, last departure at 5 s
}

// A batch job (2 s) starts at t = 10 s; a chat request (also 2 s) arrives at 10.5 s.
// Preemptive-resume: chat runs 10.5-12.5, batch resumes with 1.5 s left and ends at 14.
// Non-preemptive: chat waits until 12 and ends at 14, batch ends at 12.
std::string two_classes(const std::string& discipline) {
  return R"(name: classes
components:
  batch:
    type: source
    arrivals: {process: deterministic, rate: 0.1/s}
    customers: 1
    to: gpu
  chat:
    type: source
    arrivals: {process: deterministic, rate: 0.1/s}
    customers: 1
    to: {component: gpu, latency: 500ms}
  gpu:
    type: station
    discipline: )" +
         discipline + R"(
    priorities: {chat: 0, batch: 1}
    service: {distribution: deterministic, value: 2s}
    to: out
  out: {type: sink}
)";
}

TEST(StationLimits, PreemptiveResumeByHand) {
  auto net = QueueingNetwork::from_config(
      ConfigNode::load_string(two_classes("preemptive_priority"), "pre.yaml"));
  simulate(net, 1);
  const auto& gpu = net.get<Station>("gpu");
  EXPECT_EQ(gpu.preemptions(), 1u);
  ASSERT_GE(gpu.class_stats().size(), 2u);
  EXPECT_NEAR(gpu.class_stats()[0].sojourn.mean(), 2.0, 1e-9);  // chat
  EXPECT_NEAR(gpu.class_stats()[0].wait.mean(), 0.0, 1e-9);
  EXPECT_NEAR(gpu.class_stats()[1].sojourn.mean(), 4.0, 1e-9);  // batch: 2 s + 2 s preempted
  EXPECT_NEAR(gpu.class_stats()[1].wait.mean(), 0.0, 1e-9);     // it started at once
  EXPECT_EQ(gpu.departures(), 2u);
}

TEST(StationLimits, NonPreemptivePriorityByHand) {
  auto net =
      QueueingNetwork::from_config(ConfigNode::load_string(two_classes("priority"), "np.yaml"));
  simulate(net, 1);
  const auto& gpu = net.get<Station>("gpu");
  EXPECT_EQ(gpu.preemptions(), 0u);
  EXPECT_NEAR(gpu.class_stats()[0].wait.mean(), 1.5, 1e-9);  // chat waits for batch
  EXPECT_NEAR(gpu.class_stats()[0].sojourn.mean(), 3.5, 1e-9);
  EXPECT_NEAR(gpu.class_stats()[1].sojourn.mean(), 2.0, 1e-9);
}

}  // namespace
}  // namespace scalesim
