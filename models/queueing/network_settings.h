// Network-wide settings read from a config's top level (name, seed, warm-up, end condition,
// output options, SLOs); components read the ones they need while they are built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/patterns/slo.h"
#include "scalesim/kernel.h"
#include "scalesim/sim_time.h"

namespace scalesim {

struct NetworkSettings {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  SimTime warmup = 0;
  // With `warmup: {requests: N}`: N, and `warmup` is the time the N-th request is emitted.
  std::uint64_t warmup_requests = 0;
  EndCondition end;
  SimTime output_interval = kSecond;  // time-series interval (config output.interval)
  bool adaptive_interval = true;      // no explicit interval: start at 1 s, double to bound rows
  double request_sample = 1.0;        // fraction of request records kept (output.requests.sample)
  std::string config_text;            // the configuration as resolved (overrides applied)
  std::string config_source;          // where it came from
  double price_per_hour = 0;          // hardware the topology rents (model servers)
  std::vector<SloSpec> slos;          // config key `slos`
};

}  // namespace scalesim
