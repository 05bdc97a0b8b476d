// The two ways a sweep computes a run. des: each (point, replication) is a full simulation of
// the point's config with seed + replication. mc: each point's network is mapped onto the Monte
// Carlo kernel (mc_mapping.h) and all its replications run in one kernel call, on the GPU when
// there is one and --gpu allows it, else over OpenMP threads.
#pragma once

#include <string>
#include <vector>

#include "sweep/mc_mapping.h"
#include "sweep/sweep_driver.h"

namespace scalesim {

// The metrics a sweep collects: the spec's `metrics`, checked against what the backend reports
// for point 0 (an unknown name is a ConfigError at the spec's metrics entry, with "did you
// mean"), or everything reported when the spec names none.
std::vector<std::string> select_metrics(const SweepSpec& spec,
                                        const std::vector<std::string>& reported);

struct DesBackend {
  explicit DesBackend(const SweepSpec& spec);
  std::vector<std::string> reported;  // headline metric names of point 0
  SweepCompute compute(const SweepSpec& spec, const std::vector<std::string>& metrics) const;
};

struct McBackend {
  enum class Device { kAuto, kCpu, kGpu };
  // Maps every point (so a point that does not fit fails before anything runs).
  McBackend(const SweepSpec& spec, Device device, int threads);
  std::vector<std::string> reported;
  bool on_gpu = false;
  int threads = 1;
  std::vector<McMapping> mappings;  // one per point
  // Adds the station visits it simulates to *station_visits (called from one worker).
  SweepCompute compute(const SweepSpec& spec, const std::vector<std::string>& metrics,
                       std::uint64_t* station_visits) const;
};

}  // namespace scalesim
