// Redis node types from configs/hardware/redis.yaml (top-level key redis_nodes: name -> node).
// Every number in that file carries its source there; this loader only checks and converts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hardware/redis/redis_bench.h"
#include "hardware/redis/redis_cost_model.h"
#include "hardware/redis/redis_event_loop.h"
#include "hardware/redis/redis_memory.h"

namespace scalesim::hardware {

struct RedisNodeSpec {
  std::string name;
  std::string description;
  std::uint32_t vcpus = 0;
  double memory_bytes = 0;              // the node's memory
  double maxmemory_bytes = 0;           // 0: no limit
  double reserved_memory_fraction = 0;  // kept back from maxmemory for buffers and forks
  double price_per_hour = 0;            // USD, on demand
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  EventLoopCosts loop;
  CommandCosts commands;
  BenchClientCosts benchmark_client;
  WakeTail wake_tail;
  MemoryModel memory;

  // Bytes available to data: maxmemory less the reserved share.
  double data_memory_bytes() const { return maxmemory_bytes * (1.0 - reserved_memory_fraction); }
  // The node driven by its benchmark client over loopback, as measured.
  BenchMachine bench_machine() const { return {loop, commands, benchmark_client, wake_tail}; }
};

// Loads every node; errors are ConfigErrors naming file, line and key. A node may say
// `costs_like: <other node>` to take that node's event-loop, command and memory-model figures.
std::vector<RedisNodeSpec> load_redis_catalog(const std::string& path);
// The node called `name`; throws std::out_of_range listing the known names.
const RedisNodeSpec& find_redis_node(const std::vector<RedisNodeSpec>& nodes,
                                     std::string_view name);

}  // namespace scalesim::hardware
