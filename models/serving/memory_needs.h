// What one serving replica needs of memory: of each of its GPUs (HBM) and of its host (RAM).
// The resource requirements beside latency and cost (summary, HDF5, report, deployment export);
// the GPU side is checked against the device when the component is built.
#pragma once

#include <cstdint>

#include "models/queueing/component_report.h"

namespace scalesim {

// A serving process's own host memory besides the model: the inference server, the CUDA
// context and its pinned staging buffers. A planning allowance, not a measurement: Triton's and
// vLLM's containers idle at 1-2 GiB resident; docs/config.md says so.
inline constexpr double kServingRuntimeHostBytes = 2.0 * (1ull << 30);

struct MemoryNeeds {
  std::uint32_t gpus = 0;         // per replica; 0: not on GPUs
  double gpu_bytes = 0;           // in use on each GPU: weights, activations, KV cache
  double gpu_capacity_bytes = 0;  // each GPU's memory
  double host_bytes = 0;          // host RAM per replica

  void report(ComponentReport& r) const {
    if (gpus > 0) {
      r.count("gpus_per_replica", gpus, kText);
      r.value("gpu_memory_per_gpu_bytes", gpu_bytes, Unit::kBytes, kText);
      r.value("gpu_memory_share", gpu_capacity_bytes > 0 ? gpu_bytes / gpu_capacity_bytes : 0.0,
              Unit::kShare, kText);
    }
    r.value("host_memory_per_replica_bytes", host_bytes, Unit::kBytes, kText);
  }
};

}  // namespace scalesim
