#include "hardware/cpu/cpu_instance.h"

namespace scalesim::hardware {

CpuInstanceSpec CpuInstanceSpec::from_config(const std::string& name, const ConfigNode& node) {
  node.expect_map();
  node.expect_keys({"vcpus", "cores", "processor", "clock_ghz", "flops_per_cycle", "memory",
                    "network_bandwidth", "price_per_hour", "source"});
  CpuInstanceSpec c;
  c.name = name;
  c.vcpus = static_cast<int>(node.positive_number("vcpus"));
  c.cores = static_cast<int>(node.positive_number("cores"));
  if (c.cores > c.vcpus) node.at("cores").fail("more physical cores than vCPUs");
  c.core_flops = node.positive_number("clock_ghz") * 1e9 * node.positive_number("flops_per_cycle");
  c.memory_bytes = node.bytes("memory");
  c.network_bandwidth = node.bandwidth("network_bandwidth");
  c.price_per_hour = node.number("price_per_hour");
  if (c.price_per_hour < 0) node.at("price_per_hour").fail("a price may not be negative");
  c.processor = node.string("processor");
  c.source = node.string("source");
  return c;
}

}  // namespace scalesim::hardware
