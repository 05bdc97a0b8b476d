// The feature store's Redis shards against the node model they are built from: one read alone
// costs the closed-form pass of the cost model for every command kind (MGET, pipelined GETs,
// pipelined HGETALLs), and an overloaded shard saturates where the step-by-step event-loop model
// of the same node does.
#include "models/patterns/feature_lookup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "hardware/redis/redis_bench.h"
#include "hardware/redis/redis_catalog.h"
#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

std::string store(const std::string& arrivals, long customers, const std::string& extra) {
  return "name: t\ncomponents:\n  in:\n    type: source\n    arrivals: " + arrivals +
         "\n    customers: " + std::to_string(customers) +
         "\n    to: store\n  store:\n    type: feature_lookup\n    redis_node: local-2core\n"
         "    shards: 1\n    replicas: 0\n    keys: 1000\n    clients: 50\n    rtt: 100us\n" +
         extra + "    to: done\n  done: {type: sink}\n";
}

struct StoreRun {
  double mean_latency_s = 0;
  double throughput_per_s = 0;
  FeatureStoreSetup setup;
};

StoreRun run(const std::string& config, long customers) {
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(config));
  const NetworkRun r = simulate(net, 1);
  const auto& lookup = net.get<FeatureLookup>("store");
  EXPECT_EQ(net.get<Sink>("done").arrived(), static_cast<std::uint64_t>(customers));
  return {lookup.latency().mean(), static_cast<double>(customers) / to_seconds(r.end_time),
          lookup.setup()};
}

TEST(FeatureLookupTest, OneReadAloneCostsAWokenPassForEveryCommandKind) {
  // 20 requests a second: the loop is asleep at every arrival, so each read is one pass of its
  // own with a wake-up, exactly pass_cost(1 connection, woke) plus the round trip.
  const std::string rare = "{process: deterministic, rate: 20/s}";
  struct Case {
    std::string extra;
    hardware::RedisCommand command;
    std::uint32_t pipeline;
  };
  const Case cases[] = {
      {"    keys_per_request: 10\n", hardware::RedisCommand::kMget, 1},
      {"    keys_per_request: 10\n    command: get\n", hardware::RedisCommand::kGet, 10},
      {"    keys_per_request: 4\n    command: hgetall\n    fields: 20\n    value_bytes: 32\n",
       hardware::RedisCommand::kHgetall, 4},
  };
  double previous = 0;
  for (const Case& c : cases) {
    const StoreRun r = run(store(rare, 200, c.extra), 200);
    hardware::CommandShape shape;
    shape.command = c.command;
    shape.keys = c.command == hardware::RedisCommand::kMget ? 10 : 1;
    shape.value_bytes = r.setup.value_bytes;
    shape.fields = c.command == hardware::RedisCommand::kHgetall ? 20 : 0;
    const double pass =
        hardware::pass_cost(r.setup.loop, r.setup.commands, shape, 1, c.pipeline, true).total_ns();
    EXPECT_NEAR(r.mean_latency_s, pass * 1e-9 + 100e-6, 2e-9) << c.extra;
    EXPECT_NE(r.mean_latency_s, previous);
    previous = r.mean_latency_s;
  }
  // Ten GETs pipelined parse and execute ten commands: dearer than one MGET of the same keys.
  EXPECT_GT(
      run(store(rare, 200, "    keys_per_request: 10\n    command: get\n"), 200).mean_latency_s,
      run(store(rare, 200, "    keys_per_request: 10\n"), 200).mean_latency_s);
}

TEST(FeatureLookupTest, AnOverloadedShardSaturatesWhereTheNodeModelDoes) {
  // Single GETs on 50 connections, offered twice the shard's capacity: reads queue in the
  // sockets and redis-server takes up to 16 KiB of them per read(), so the shard delivers the
  // node model's closed-form capacity at that depth (within 3%: the queue's first moments are
  // shallower), far above a pass of 50 connections with one command each, where the shard
  // stopped before.
  const std::vector<hardware::RedisNodeSpec> nodes =
      hardware::load_redis_catalog(SCALESIM_SOURCE_DIR "/configs/hardware/redis.yaml");
  const hardware::RedisNodeSpec& node = hardware::find_redis_node(nodes, "local-2core");
  FeatureStoreSetup s;
  s.loop = node.loop;
  s.commands = node.commands;
  s.clients = 50;
  hardware::CommandShape get;
  const double depth = FeatureLookup::max_read_depth(s, 1);
  EXPECT_EQ(depth, std::floor(16384.0 / static_cast<double>(get.request_bytes())));
  const double per_read = FeatureLookup::saturated_read_ns(s, 1);
  // The closed form of the cost model at that depth, per command.
  EXPECT_NEAR(per_read,
              hardware::cpu_per_command_ns(s.loop, s.commands, get, 50,
                                           static_cast<std::uint32_t>(depth), false),
              1e-6 * per_read);
  const double capacity = 1e9 / per_read;
  const double pool_limit = 1e9 / FeatureLookup::busy_read_ns(s, 1);
  constexpr long kCustomers = 1'000'000;
  const StoreRun shard =
      run(store("{process: poisson, rate: " + std::to_string(2.0 * capacity) + "/s}", kCustomers,
                "    keys_per_request: 1\n"),
          kCustomers);
  EXPECT_NEAR(shard.throughput_per_s / capacity, 1.0, 0.03)
      << "shard " << shard.throughput_per_s << "/s, capacity " << capacity << "/s";
  EXPECT_GT(shard.throughput_per_s, 2 * pool_limit);
  // The step-by-step event loop agrees with the closed form where both can be driven: 50
  // clients pipelining 16 deep (the server's core saturated), server CPU per GET within 10%.
  hardware::ClosedLoopSpec deep;
  deep.clients = 50;
  deep.pipeline = 16;
  deep.warmup_requests = 20'000;
  deep.measured_requests = 200'000;
  const double loop = hardware::run_closed_loop(node.bench_machine(), deep, 5).server_cpu_per_op_ns;
  EXPECT_NEAR(loop / hardware::cpu_per_command_ns(s.loop, s.commands, get, 50, 16, false), 1.0,
              0.10);
}

TEST(FeatureLookupTest, CommandKeysAreCheckedAtTheirKey) {
  const std::string rare = "{process: deterministic, rate: 20/s}";
  const std::pair<std::string, std::string> cases[] = {
      {"    command: scan\n", "<string>:16:"},
      {"    fields: 10\n", "<string>:16:"},
      {"    command: get\n    field_bytes: 4\n", "<string>:17:"}};
  for (const auto& [extra, where] : cases) {
    try {
      (void)QueueingNetwork::from_config(ConfigNode::load_string(store(rare, 10, extra)));
      ADD_FAILURE() << extra;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace scalesim
