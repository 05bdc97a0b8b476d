#include "hardware/redis/redis_cost_model.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

namespace scalesim::hardware {
namespace {

std::uint64_t digits(std::uint64_t n) {
  std::uint64_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}
// RESP2 framing: "*<n>\r\n" and "$<n>\r\n<bytes>\r\n".
std::uint64_t array_header(std::uint64_t n) {
  return 1 + digits(n) + 2;
}
std::uint64_t bulk(std::uint64_t n) {
  return 1 + digits(n) + 2 + n + 2;
}

}  // namespace

std::string_view command_name(RedisCommand c) {
  switch (c) {
    case RedisCommand::kGet:
      return "GET";
    case RedisCommand::kSet:
      return "SET";
    case RedisCommand::kMget:
      return "MGET";
    case RedisCommand::kHgetall:
      return "HGETALL";
    case RedisCommand::kPing:
      return "PING";
  }
  return "?";
}

RedisCommand parse_command(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  for (const RedisCommand c : {RedisCommand::kGet, RedisCommand::kSet, RedisCommand::kMget,
                               RedisCommand::kHgetall, RedisCommand::kPing}) {
    if (upper == command_name(c)) return c;
  }
  throw std::invalid_argument("unknown Redis command '" + std::string(name) +
                              "' (modelled: GET, SET, MGET, HGETALL, PING)");
}

std::uint64_t CommandShape::request_bytes() const {
  switch (command) {
    case RedisCommand::kGet:
      return array_header(2) + bulk(3) + bulk(key_bytes);
    case RedisCommand::kSet:
      return array_header(3) + bulk(3) + bulk(key_bytes) + bulk(value_bytes);
    case RedisCommand::kMget:
      return array_header(std::uint64_t{keys} + 1) + bulk(4) +
             std::uint64_t{keys} * bulk(key_bytes);
    case RedisCommand::kHgetall:
      return array_header(2) + bulk(7) + bulk(key_bytes);
    case RedisCommand::kPing:
      return array_header(1) + bulk(4);
  }
  return 0;
}

std::uint64_t CommandShape::reply_bytes() const {
  switch (command) {
    case RedisCommand::kGet:
      return bulk(value_bytes);
    case RedisCommand::kSet:
      return 5;  // "+OK\r\n"
    case RedisCommand::kMget:
      return array_header(keys) + std::uint64_t{keys} * bulk(value_bytes);
    case RedisCommand::kHgetall:
      return array_header(2 * std::uint64_t{fields}) +
             std::uint64_t{fields} * (bulk(field_bytes) + bulk(value_bytes));
    case RedisCommand::kPing:
      return 7;  // "+PONG\r\n"
  }
  return 0;
}

std::uint64_t CommandShape::copied_value_bytes() const {
  switch (command) {
    case RedisCommand::kGet:
    case RedisCommand::kSet:
      return value_bytes;
    case RedisCommand::kMget:
      return std::uint64_t{keys} * value_bytes;
    case RedisCommand::kHgetall:
      return std::uint64_t{fields} * (std::uint64_t{value_bytes} + field_bytes);
    case RedisCommand::kPing:
      return 0;
  }
  return 0;
}

double CommandCosts::exec_ns(const CommandShape& s) const {
  const std::uint32_t keys = s.command == RedisCommand::kPing ? 0 : s.keys;
  double t =
      base_ns + per_key_ns * keys + per_byte_ns * static_cast<double>(s.copied_value_bytes());
  if (s.command == RedisCommand::kHgetall) t += per_field_ns * s.fields;
  if (s.command == RedisCommand::kSet) t += write_extra_ns;
  return t;
}

PassCost pass_cost(const EventLoopCosts& loop, const CommandCosts& cmd, const CommandShape& shape,
                   std::uint32_t connections, std::uint32_t pipeline, bool woke_up) {
  PassCost c;
  const std::uint32_t threads = std::max<std::uint32_t>(1, loop.io_threads);
  // Connections are dealt round-robin over the threads; the main thread waits for the slowest.
  const std::uint32_t busiest = (connections + threads - 1) / threads;
  const auto per_thread = static_cast<double>(busiest);
  const double read = loop.read_cost_ns(std::uint64_t{pipeline} * shape.request_bytes());
  const double write = loop.write_cost_ns(std::uint64_t{pipeline} * shape.reply_bytes());
  c.io_ns =
      loop.pass_ns + (woke_up ? loop.wake_cpu_ns : loop.poll_ns) + per_thread * (read + write);
  c.execute_ns = static_cast<double>(connections) * pipeline * (loop.parse_ns + cmd.exec_ns(shape));
  return c;
}

double cpu_per_command_ns(const EventLoopCosts& loop, const CommandCosts& cmd,
                          const CommandShape& shape, std::uint32_t connections,
                          std::uint32_t pipeline, bool woke_up) {
  const PassCost c = pass_cost(loop, cmd, shape, connections, pipeline, woke_up);
  return c.total_ns() / (static_cast<double>(connections) * pipeline);
}

}  // namespace scalesim::hardware
