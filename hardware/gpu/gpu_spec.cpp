#include "hardware/gpu/gpu_spec.h"

#include <cmath>
#include <string>

namespace scalesim::hardware {

GpuSpec GpuSpec::from_config(const std::string& name, const ConfigNode& node) {
  node.expect_map();
  node.expect_keys({"architecture", "peak_tflops", "memory", "hbm_bandwidth", "gpu_link",
                    "gpu_link_bandwidth", "nvlink_bridge_bandwidth", "host_link_bandwidth",
                    "tdp_watts", "full_load_watts", "boost_clock_mhz", "price_per_hour",
                    "mig_slices", "source"});
  GpuSpec g;
  g.name = name;
  g.architecture = node.string("architecture");
  const ConfigNode peaks = node.at("peak_tflops");
  peaks.expect_map();
  for (const auto& [key, value] : peaks.entries()) {
    const auto p = parse_precision(key);
    if (!p || key == "amp") {
      value.fail("unknown precision '" + key + "'; use fp32, tf32, fp16, bf16 or int8");
    }
    const double tflops = value.as_double();
    if (!(tflops > 0)) value.fail("peak TFLOP/s must be greater than zero");
    g.peak_flops[index_of(*p)] = tflops * 1e12;
  }
  if (!g.supports(Precision::kFp32)) peaks.fail("peak_tflops needs at least fp32");
  g.memory_bytes = node.bytes("memory");
  g.hbm_bandwidth = node.bandwidth("hbm_bandwidth");
  g.gpu_link = node.string_or("gpu_link", "pcie3");
  g.gpu_link_bandwidth = node.bandwidth("gpu_link_bandwidth");
  if (node.find("nvlink_bridge_bandwidth"))
    g.nvlink_bridge_bandwidth = node.bandwidth("nvlink_bridge_bandwidth");
  g.host_link_bandwidth = node.bandwidth("host_link_bandwidth");
  g.tdp_watts = node.positive_number("tdp_watts");
  g.boost_clock = node.positive_number("boost_clock_mhz") * 1e6;
  if (node.find("full_load_watts")) g.full_load_watts = node.positive_number("full_load_watts");
  g.price_per_hour = node.number("price_per_hour");
  g.mig_slices = static_cast<int>(node.integer_or("mig_slices", 0));
  g.source = node.string("source");
  if (g.memory_bytes <= 0) node.at("memory").fail("memory must be greater than zero");
  if (g.hbm_bandwidth <= 0) node.at("hbm_bandwidth").fail("bandwidth must be greater than zero");
  if (g.price_per_hour < 0) node.at("price_per_hour").fail("a price may not be negative");
  return g;
}

double GpuSpec::sustained_clock_fraction() const {
  if (!(full_load_watts > 0) || tdp_watts >= full_load_watts) return 1.0;
  return std::cbrt(tdp_watts / full_load_watts);
}

GpuSpec GpuSpec::mig_instance(int compute_slices) const {
  if (mig_slices == 0) {
    throw std::invalid_argument("GPU '" + name + "' does not support MIG");
  }
  if (compute_slices < 1 || compute_slices > mig_slices || compute_slices == 5 ||
      compute_slices == 6) {
    throw std::invalid_argument("GPU '" + name + "': MIG instances are 1g, 2g, 3g, 4g or 7g");
  }
  // Memory comes in eighths; the profiles pair 1g/2g/3g/4g/7g with 1/2/4/4/8 eighths.
  static constexpr int kMemoryEighths[] = {0, 1, 2, 4, 4, 0, 0, 8};
  const double compute = static_cast<double>(compute_slices) / mig_slices;
  const double memory = kMemoryEighths[compute_slices] / 8.0;
  GpuSpec s = *this;
  const long gb = std::lround(memory_bytes * memory / (1024.0 * 1024.0 * 1024.0));
  s.name = name + "/" + std::to_string(compute_slices) + "g." + std::to_string(gb) + "gb";
  for (double& f : s.peak_flops) f *= compute;
  s.memory_bytes *= memory;
  s.hbm_bandwidth *= memory;
  s.tdp_watts *= compute;
  s.full_load_watts *= compute;
  s.price_per_hour *= compute;
  s.mig_slices = 0;
  return s;
}

}  // namespace scalesim::hardware
