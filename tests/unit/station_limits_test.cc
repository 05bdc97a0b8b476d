// A station's limits and disciplines on deterministic schedules where every event can be worked
// out by hand: patience (who gives up, who is served, after how long), the end-to-end deadline
// (which counts from the request's creation, not from its arrival at the station), priorities
// with and without preemption, processor sharing, and batch service under Triton's rule.
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

// Arrivals 1 s apart; batches of 2..4, max_queue_delay 2.5 s, a batch of b takes 10 s + 1 s x b.
// The first request waits alone (below min, no timer); the second makes a partial batch due
// 2.5 s after the first arrived, so requests 1-3 start then (waits 2.5, 1.5, 0.5 s) and take
// 13 s; requests 4-6 queue meanwhile and start together when the server frees (waits 12.5,
// 11.5, 10.5 s).
std::string triton(const std::string& extra) {
  return R"(name: batching
components:
  src:
    type: source
    arrivals: {process: deterministic, rate: 1/s}
    customers: 6
    to: gpu
  gpu:
    type: station
    batch: {max: 4, min: 2, max_queue_delay: 2500ms, per_item: 1s)" +
         extra + R"(}
    service: {distribution: deterministic, value: 10s}
    to: out
  out: {type: sink}
)";
}

TEST(StationLimits, TritonBatchingByHand) {
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(triton(""), "batch.yaml"));
  simulate(net, 1);
  const auto& gpu = net.get<Station>("gpu");
  EXPECT_EQ(gpu.departures(), 6u);
  EXPECT_EQ(gpu.batching()->batches(), 2u);
  EXPECT_DOUBLE_EQ(gpu.batching()->mean_batch_size(), 3.0);
  EXPECT_NEAR(gpu.wait().mean(), (2.5 + 1.5 + 0.5 + 12.5 + 11.5 + 10.5) / 6, 1e-9);
  EXPECT_NEAR(gpu.sojourn().mean(), gpu.wait().mean() + 13.0, 1e-9);
}

// A law for batches of 3 (4 s) replaces `service` for that size; per_item still adds 1 s each.
TEST(StationLimits, BatchServiceLawPerSize) {
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(
      triton(", service_by_size: {3: {distribution: deterministic, value: 4s}}"), "law.yaml"));
  simulate(net, 1);
  const auto& gpu = net.get<Station>("gpu");
  EXPECT_EQ(gpu.batching()->batches(), 2u);
  // Batch 1 runs 3.5-10.5 s after the first arrival; batch 2 starts at 10.5.
  EXPECT_NEAR(gpu.wait().mean(), (2.5 + 1.5 + 0.5 + 6.5 + 5.5 + 4.5) / 6, 1e-9);
  EXPECT_NEAR(gpu.sojourn().mean(), gpu.wait().mean() + 7.0, 1e-9);
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

// `warmup: {requests: N}`: the first N requests emitted (by all sources together) are the
// warm-up, whatever their times: a station fed directly measures exactly the rest.
TEST(StationLimits, WarmupAsARequestCountExcludesExactlyThoseRequests) {
  const std::string y = R"(name: warm
seed: 21
warmup: {requests: 3000}
components:
  a:
    type: source
    arrivals: {process: poisson, rate: 3/s}
    customers: 6000
    to: q
  b:
    type: source
    arrivals: {process: mmpp, rate: 1/s, burst_rate: 8/s, calm_to_burst: 0.1/s, burst_to_calm: 0.5/s}
    customers: 4000
    to: q
  q:
    type: station
    servers: 4
    service: {distribution: exponential, mean: 500ms}
    to: out
  out: {type: sink}
)";
  auto net = QueueingNetwork::from_config(ConfigNode::load_string(y, "warm.yaml"));
  EXPECT_EQ(net.settings().warmup_requests, 3000u);
  EXPECT_GT(net.settings().warmup, 0);
  simulate(net, net.settings().seed);
  EXPECT_EQ(net.get<Station>("q").wait().count(), 10000u - 3000u);
  EXPECT_EQ(net.get<Sink>("out").measured(), 10000u - 3000u);
}

TEST(StationLimits, WarmupAsARequestCountErrors) {
  const auto error = [](const std::string& warmup) {
    const std::string y = "warmup: " + warmup +
                          "\ncomponents:\n  a: {type: source, arrivals: {process: poisson, rate: "
                          "1/s}, customers: 10, to: out}\n  out: {type: sink}\n";
    try {
      QueueingNetwork::from_config(ConfigNode::load_string(y, "w.yaml"));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string all = error("{requests: 10}");
  EXPECT_NE(all.find("the sources emit 10 requests"), std::string::npos) << all;
  EXPECT_NE(all.find("warmup.requests'"), std::string::npos) << all;
  EXPECT_NE(error("{requests: 0}").find("at least 1 request"), std::string::npos);
  EXPECT_NE(error("{request: 5}").find("request"), std::string::npos);
}

}  // namespace
}  // namespace scalesim
