#include "hardware/redis/redis_event_loop.h"

#include <gtest/gtest.h>

#include "hardware/redis/redis_bench.h"
#include "hardware/redis/redis_catalog.h"
#include "scalesim/config/config_node.h"

namespace scalesim::hardware {
namespace {

const RedisNodeSpec& local_node() {
  static const std::vector<RedisNodeSpec> nodes =
      load_redis_catalog(SCALESIM_SOURCE_DIR "/configs/hardware/redis.yaml");
  return find_redis_node(nodes, "local-2core");
}

ClosedLoopSpec closed(std::uint32_t clients, std::uint32_t pipeline) {
  ClosedLoopSpec s;
  s.clients = clients;
  s.pipeline = pipeline;
  s.warmup_requests = 5000;
  s.measured_requests = 40000;
  return s;
}

TEST(RedisEventLoopTest, CatalogLoadsBothNodes) {
  const auto nodes = load_redis_catalog(SCALESIM_SOURCE_DIR "/configs/hardware/redis.yaml");
  const RedisNodeSpec& cloud = find_redis_node(nodes, "redis-16gb");
  EXPECT_NEAR(cloud.maxmemory_bytes, 13.07 * 1024 * 1024 * 1024, 1.0);
  EXPECT_GT(cloud.price_per_hour, 0.0);
  EXPECT_EQ(cloud.policy, EvictionPolicy::kAllKeysLru);
  // costs_like copies the measured figures.
  EXPECT_DOUBLE_EQ(cloud.loop.read_ns, local_node().loop.read_ns);
  EXPECT_DOUBLE_EQ(cloud.commands.base_ns, local_node().commands.base_ns);
  EXPECT_THROW(find_redis_node(nodes, "redis-32gb"), std::out_of_range);
}

TEST(RedisEventLoopTest, CatalogErrorsNameTheKey) {
  // A typo in a node's key is reported with its place and a suggestion.
  try {
    ConfigNode::load_string("redis_nodes:\n  x:\n    vcpu: 2\n", "typo.yaml")
        .at("redis_nodes")
        .at("x")
        .expect_keys({"vcpus"});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("typo.yaml:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("vcpus"), std::string::npos) << e.what();
  }
}

// redis-benchmark's latency is never below the round trip's own work: the client's write, the
// server's read, parse, execution and write, with no queueing and no wake-up.
TEST(RedisEventLoopTest, LookupNeverFasterThanItsRoundTrip) {
  const BenchMachine m = local_node().bench_machine();
  const CommandShape get;
  const double rtt = m.kernel.write_cost_ns(get.request_bytes()) +
                     m.kernel.read_cost_ns(get.request_bytes()) + m.kernel.parse_ns +
                     m.commands.exec_ns(get) + m.kernel.write_cost_ns(get.reply_bytes());
  for (const std::uint32_t clients : {1u, 10u, 50u}) {
    const BenchResult r = run_closed_loop(m, closed(clients, 1), 11);
    EXPECT_GE(static_cast<double>(r.latency.min()), rtt) << clients << " clients";
  }
  OpenLoopSpec open;
  open.rate_per_s = 20000;
  open.duration = kSecond;
  const BenchResult r = run_open_loop(m, open, 12);
  EXPECT_GE(static_cast<double>(r.service.min()),
            rtt - m.kernel.write_cost_ns(get.request_bytes()));
  EXPECT_GE(static_cast<double>(r.latency.min()), rtt);
}

TEST(RedisEventLoopTest, ServerCpuPerCommandFallsWithClientsAndPipeline) {
  const BenchMachine m = local_node().bench_machine();
  double previous = 1e18;
  for (const std::uint32_t clients : {1u, 4u, 16u}) {
    const BenchResult r = run_closed_loop(m, closed(clients, 1), 21);
    EXPECT_LT(r.server_cpu_per_op_ns, previous) << clients << " clients";
    previous = r.server_cpu_per_op_ns;
  }
  // Past 16 clients the client's core is the bottleneck and the server's passes stop growing:
  // its CPU per command stays flat (within 5%) instead of falling further.
  EXPECT_LT(run_closed_loop(m, closed(50, 1), 21).server_cpu_per_op_ns, previous * 1.05);
  previous = 1e18;
  for (const std::uint32_t pipeline : {1u, 2u, 4u, 16u}) {
    const BenchResult r = run_closed_loop(m, closed(1, pipeline), 22);
    EXPECT_LT(r.server_cpu_per_op_ns, previous) << "pipeline " << pipeline;
    previous = r.server_cpu_per_op_ns;
  }
  // The measured shape: ~18 us of server core per GET alone, a few us with 50 clients, near
  // the execution cost when pipelined 16 deep with 50 clients.
  EXPECT_GT(run_closed_loop(m, closed(1, 1), 23).server_cpu_per_op_ns, 12000.0);
  EXPECT_LT(run_closed_loop(m, closed(50, 16), 24).server_cpu_per_op_ns, 2000.0);
}

TEST(RedisEventLoopTest, OpenLoopLatencyRisesWithLoad) {
  const BenchMachine m = local_node().bench_machine();
  double previous = 0;
  double previous_busy = 0;
  for (const double rate : {5e3, 40e3, 90e3, 130e3, 170e3, 210e3}) {
    OpenLoopSpec s;
    s.rate_per_s = rate;
    s.duration = from_seconds(60000 / rate);
    const BenchResult r = run_open_loop(m, s, 31);
    EXPECT_NEAR(r.throughput_per_s / rate, 1.0, 0.03) << rate;
    const double p50 = r.latency.quantile(0.5);
    EXPECT_GE(p50, previous * 0.98) << rate;  // within one histogram bucket
    EXPECT_GE(r.server_busy, previous_busy) << rate;
    previous = p50;
    previous_busy = r.server_busy;
  }
  // Past the knee commands queue in the sockets and are read several at a time.
  OpenLoopSpec heavy;
  heavy.rate_per_s = 220e3;
  heavy.duration = from_seconds(0.3);
  EXPECT_GT(run_open_loop(m, heavy, 32).commands_per_read, 1.2);
}

TEST(RedisEventLoopTest, IoThreadsRaiseSaturatedThroughput) {
  BenchMachine m = local_node().bench_machine();
  const double one = run_closed_loop(m, closed(50, 16), 41).throughput_per_s;
  m.kernel.io_threads = 4;
  const double four = run_closed_loop(m, closed(50, 16), 41).throughput_per_s;
  EXPECT_GT(four, one * 1.05);
}

TEST(RedisEventLoopTest, SameSeedSameResult) {
  const BenchMachine m = local_node().bench_machine();
  OpenLoopSpec s;
  s.rate_per_s = 100e3;
  s.duration = from_seconds(0.2);
  const BenchResult a = run_open_loop(m, s, 5);
  const BenchResult b = run_open_loop(m, s, 5);
  EXPECT_EQ(a.latency, b.latency);
  EXPECT_EQ(a.completed, b.completed);
}

}  // namespace
}  // namespace scalesim::hardware
