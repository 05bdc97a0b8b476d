#include "hardware/redis/redis_cost_model.h"

#include <gtest/gtest.h>

#include <string>

namespace scalesim::hardware {
namespace {

EventLoopCosts loop_costs() {
  EventLoopCosts l;
  l.poll_ns = 800;
  l.pass_ns = 1500;
  l.read_ns = 2800;
  l.write_ns = 2600;
  l.copy_per_byte_ns = 0.1;
  l.parse_ns = 250;
  l.wake_latency_ns = 6400;
  l.wake_cpu_ns = 3200;
  l.ipi_ns = 8500;
  return l;
}

CommandCosts command_costs() {
  CommandCosts c;
  c.base_ns = 520;
  c.per_key_ns = 300;
  c.per_byte_ns = 0.1;
  c.per_field_ns = 60;
  return c;
}

TEST(RedisCostModelTest, RespSizesAreExact) {
  CommandShape get;  // GET key:%012d, 100-byte value
  // "*2\r\n$3\r\nGET\r\n$16\r\n<16 bytes>\r\n"
  EXPECT_EQ(get.request_bytes(),
            std::string("*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000001\r\n").size());
  EXPECT_EQ(get.reply_bytes(), 6u + 100u + 2u);  // "$100\r\n" value "\r\n"
  CommandShape set = get;
  set.command = RedisCommand::kSet;
  EXPECT_EQ(set.request_bytes(),
            get.request_bytes() + 6u + 100u + 2u);  // + "$100\r\n" value "\r\n"
  EXPECT_EQ(set.reply_bytes(), 5u);
  CommandShape mget = get;
  mget.command = RedisCommand::kMget;
  mget.keys = 10;
  EXPECT_EQ(mget.reply_bytes(), 5u + 10u * 108u);  // "*10\r\n" then ten bulk strings
}

TEST(RedisCostModelTest, ExecutionGrowsWithKeysBytesAndFields) {
  const CommandCosts c = command_costs();
  CommandShape get;
  EXPECT_DOUBLE_EQ(c.exec_ns(get), 520 + 300 + 100 * 0.1);
  CommandShape mget = get;
  mget.command = RedisCommand::kMget;
  mget.keys = 10;
  EXPECT_DOUBLE_EQ(c.exec_ns(mget), 520 + 10 * 300 + 10 * 100 * 0.1);
  CommandShape big = get;
  big.value_bytes = 1024;
  EXPECT_DOUBLE_EQ(c.exec_ns(big) - c.exec_ns(get), 924 * 0.1);
  CommandShape hgetall = get;
  hgetall.command = RedisCommand::kHgetall;
  hgetall.fields = 20;
  hgetall.value_bytes = 32;
  EXPECT_DOUBLE_EQ(c.exec_ns(hgetall), 520 + 300 + 20 * 60 + 20 * (32 + 8) * 0.1);
}

TEST(RedisCostModelTest, PassCostFormula) {
  const EventLoopCosts l = loop_costs();
  const CommandCosts c = command_costs();
  const CommandShape get;
  const PassCost p = pass_cost(l, c, get, 3, 4, false);
  const double read = 2800 + 0.1 * 4 * static_cast<double>(get.request_bytes());
  const double write = 2600 + 0.1 * 4 * static_cast<double>(get.reply_bytes());
  EXPECT_DOUBLE_EQ(p.io_ns, 1500 + 800 + 3 * (read + write));
  EXPECT_DOUBLE_EQ(p.execute_ns, 12 * (250 + c.exec_ns(get)));
  // A pass that follows a wake-up pays the wake-up instead of the poll.
  EXPECT_DOUBLE_EQ(pass_cost(l, c, get, 3, 4, true).io_ns, p.io_ns - 800 + 3200);
}

TEST(RedisCostModelTest, CpuPerCommandFallsWithConnectionsAndPipeline) {
  const EventLoopCosts l = loop_costs();
  const CommandCosts c = command_costs();
  const CommandShape get;
  double previous = 1e18;
  for (const std::uint32_t conns : {1u, 2u, 10u, 50u}) {
    const double now = cpu_per_command_ns(l, c, get, conns, 1, false);
    EXPECT_LE(now, previous);
    previous = now;
  }
  previous = 1e18;
  for (const std::uint32_t pipeline : {1u, 2u, 4u, 16u, 64u}) {
    const double now = cpu_per_command_ns(l, c, get, 1, pipeline, false);
    EXPECT_LT(now, previous);
    previous = now;
  }
  // It never falls below the per-command work.
  EXPECT_GT(cpu_per_command_ns(l, c, get, 50, 64, false), l.parse_ns + c.exec_ns(get));
}

TEST(RedisCostModelTest, IoThreadsShortenIoButNotExecution) {
  EventLoopCosts l = loop_costs();
  const CommandCosts c = command_costs();
  const CommandShape get;
  const PassCost one = pass_cost(l, c, get, 40, 1, false);
  l.io_threads = 4;
  const PassCost four = pass_cost(l, c, get, 40, 1, false);
  EXPECT_DOUBLE_EQ(four.execute_ns, one.execute_ns);
  EXPECT_NEAR(four.io_ns - 2300, (one.io_ns - 2300) / 4, 1e-6);
}

TEST(RedisCostModelTest, CommandNames) {
  EXPECT_EQ(parse_command("hgetall"), RedisCommand::kHgetall);
  EXPECT_EQ(command_name(RedisCommand::kMget), "MGET");
  EXPECT_THROW(parse_command("ZADD"), std::invalid_argument);
}

}  // namespace
}  // namespace scalesim::hardware
