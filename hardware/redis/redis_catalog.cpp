#include "hardware/redis/redis_catalog.h"

#include <map>
#include <stdexcept>

#include "scalesim/config/config_node.h"
#include "scalesim/config/units.h"

namespace scalesim::hardware {
namespace {

double ns(const ConfigNode& n, std::string_view key) {
  return static_cast<double>(n.duration(key));
}

double bytes(const ConfigNode& n, std::string_view key) {
  const ConfigNode v = n.at(key);
  try {
    return parse_bytes(v.as_string());
  } catch (const UnitError& e) {
    v.fail(e.what());
  }
}

void load_costs(const ConfigNode& node, RedisNodeSpec& s) {
  const ConfigNode loop = node.at("event_loop");
  loop.expect_keys({"poll", "pass", "read", "write", "copy_bandwidth", "parse", "wake_latency",
                    "wake_cpu", "ipi", "wake_tail_probability", "wake_tail_mean"});
  s.loop.poll_ns = ns(loop, "poll");
  s.loop.pass_ns = ns(loop, "pass");
  s.loop.read_ns = ns(loop, "read");
  s.loop.write_ns = ns(loop, "write");
  const ConfigNode bw = loop.at("copy_bandwidth");
  double bandwidth = 0;
  try {
    bandwidth = parse_bandwidth(bw.as_string());
  } catch (const UnitError& e) {
    bw.fail(e.what());
  }
  if (bandwidth <= 0) bw.fail("copy_bandwidth must be positive");
  s.loop.copy_per_byte_ns = 1e9 / bandwidth;
  s.loop.parse_ns = ns(loop, "parse");
  s.loop.wake_latency_ns = ns(loop, "wake_latency");
  s.loop.wake_cpu_ns = ns(loop, "wake_cpu");
  s.loop.ipi_ns = ns(loop, "ipi");
  s.wake_tail.probability = loop.number_or("wake_tail_probability", 0.0);
  if (s.wake_tail.probability < 0 || s.wake_tail.probability > 1) {
    loop.at("wake_tail_probability").fail("wake_tail_probability must lie in [0, 1]");
  }
  s.wake_tail.mean_ns = static_cast<double>(loop.duration_or("wake_tail_mean", 0));
  if (s.loop.wake_cpu_ns > s.loop.wake_latency_ns) {
    loop.at("wake_cpu").fail("wake_cpu is part of wake_latency and cannot exceed it");
  }

  const ConfigNode cmd = node.at("commands");
  cmd.expect_keys({"base", "per_key", "per_field", "write_extra"});
  s.commands.base_ns = ns(cmd, "base");
  s.commands.per_key_ns = ns(cmd, "per_key");
  s.commands.per_field_ns = ns(cmd, "per_field");
  s.commands.write_extra_ns = static_cast<double>(cmd.duration_or("write_extra", 0));
  s.commands.per_byte_ns = s.loop.copy_per_byte_ns;

  if (const auto client = node.find("benchmark_client")) {
    client->expect_keys({"epoll_ctl", "per_reply"});
    s.benchmark_client.epoll_ctl_ns = ns(*client, "epoll_ctl");
    s.benchmark_client.per_reply_ns = ns(*client, "per_reply");
  }

  const ConfigNode mem = node.at("memory_model");
  mem.expect_keys({"base", "per_key_extra", "fragmentation"});
  s.memory.base_bytes = bytes(mem, "base");
  s.memory.per_key_extra_bytes = bytes(mem, "per_key_extra");
  s.memory.fragmentation = mem.number("fragmentation");
  if (s.memory.fragmentation < 1.0) mem.at("fragmentation").fail("fragmentation must be >= 1");
}

}  // namespace

std::vector<RedisNodeSpec> load_redis_catalog(const std::string& path) {
  const ConfigNode root = ConfigNode::load_file(path);
  root.expect_keys({"redis_nodes"});
  const ConfigNode nodes = root.at("redis_nodes");
  nodes.expect_map();
  std::vector<RedisNodeSpec> out;
  std::map<std::string, ConfigNode, std::less<>> by_name;
  for (const auto& [name, n] : nodes.entries()) by_name.emplace(name, n);
  for (const auto& [name, n] : nodes.entries()) {
    n.expect_keys({"description", "instance", "vcpus", "memory", "maxmemory",
                   "reserved_memory_percent", "price_per_hour", "maxmemory_policy", "io_threads",
                   "costs_like", "event_loop", "commands", "benchmark_client", "memory_model"});
    RedisNodeSpec s;
    s.name = name;
    s.description = n.string_or("description", "");
    s.vcpus = static_cast<std::uint32_t>(n.integer("vcpus"));
    s.memory_bytes = bytes(n, "memory");
    s.maxmemory_bytes = n.has("maxmemory") ? bytes(n, "maxmemory") : 0.0;
    s.reserved_memory_fraction = n.number_or("reserved_memory_percent", 0.0) / 100.0;
    s.price_per_hour = n.number("price_per_hour");
    try {
      s.policy = parse_eviction_policy(n.string_or("maxmemory_policy", "noeviction"));
    } catch (const std::invalid_argument& e) {
      n.at("maxmemory_policy").fail(e.what());
    }
    if (const auto like = n.find("costs_like")) {
      const auto it = by_name.find(like->as_string());
      if (it == by_name.end() || it->second.has("costs_like")) {
        like->fail("costs_like must name another node of this file that has its own figures");
      }
      load_costs(it->second, s);
    } else {
      load_costs(n, s);
    }
    const std::int64_t threads = n.integer_or("io_threads", 1);
    if (threads < 1 || threads > 128) n.at("io_threads").fail("io_threads must be 1..128");
    s.loop.io_threads = static_cast<std::uint32_t>(threads);
    out.push_back(std::move(s));
  }
  return out;
}

const RedisNodeSpec& find_redis_node(const std::vector<RedisNodeSpec>& nodes,
                                     std::string_view name) {
  std::string known;
  for (const RedisNodeSpec& n : nodes) {
    if (n.name == name) return n;
    known += (known.empty() ? "" : ", ") + n.name;
  }
  throw std::out_of_range("no Redis node '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace scalesim::hardware
