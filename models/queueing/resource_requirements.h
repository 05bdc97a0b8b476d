// The resources a topology asks for, summed over its components: GPUs and the HBM in use on
// them, host memory of the serving replicas, Redis memory of the feature stores (every node,
// replicas included). Beside latency and cost in the summary, --json and the HDF5 root.
#pragma once

#include <cstdint>
#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {

struct ResourceRequirements {
  std::uint64_t gpus = 0;
  double gpu_memory_bytes = 0;    // in use, all GPUs
  double gpu_capacity_bytes = 0;  // of those GPUs
  double host_memory_bytes = 0;   // serving replicas
  std::uint64_t redis_nodes = 0;
  double redis_memory_bytes = 0;  // data on every node (masters and replicas)
};

ResourceRequirements resource_requirements(const QueueingNetwork& net);
// "4 GPUs (26.6 of 64 GB in use), host memory 35.2 GB, Redis 0.65 GB on 12 nodes"; empty when
// the topology holds none of these.
std::string resource_text(const ResourceRequirements& r);

}  // namespace scalesim
