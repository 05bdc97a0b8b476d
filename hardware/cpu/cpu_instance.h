// A CPU instance type (configs/hardware/cpus.yaml): its cores serve requests one at a time, and
// a request's CPU time comes from the model profile's FLOPs at the core's achieved rate.
#pragma once

#include <string>

#include "hardware/gpu/model_profile.h"
#include "scalesim/config/config_node.h"

namespace scalesim::hardware {

struct CpuInstanceSpec {
  std::string name;
  int vcpus = 0;          // hardware threads the instance exposes
  int cores = 0;          // physical cores (vcpus / 2 with SMT)
  double core_flops = 0;  // peak FP32 FLOP/s of one physical core (clock x FLOPs per cycle)
  double memory_bytes = 0;
  double network_bandwidth = 0;  // bytes/s
  double price_per_hour = 0;     // USD, on-demand
  std::string processor;
  std::string source;

  // CPU time of one request of `batch` samples of input size n on one core.
  double request_seconds(const ModelProfile& model, double n, int batch = 1) const {
    return static_cast<double>(batch) * model.flops_per_sample(n) /
           (core_flops * model.cpu_efficiency);
  }

  static CpuInstanceSpec from_config(const std::string& name, const ConfigNode& node);
};

}  // namespace scalesim::hardware
