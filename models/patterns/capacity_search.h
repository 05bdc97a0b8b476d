// The highest arrival rate at which a run meets its SLOs (MLPerf Inference's server scenario:
// the highest Poisson query rate whose p99 latency stays under the bound), found by trials.
//
// The search doubles (or halves) the starting rate until one rate meets every SLO and another
// misses one, then bisects geometrically until they are within the tolerance. It assumes that
// a higher rate never helps an SLO, as latency and loss do. `scalesim capacity` runs it over a
// config's source; `scalesim calibrate` over MLPerf server results.
#pragma once

#include <functional>
#include <vector>

#include "models/patterns/slo.h"

namespace scalesim {

struct CapacityTrial {
  double rate = 0;  // per second
  bool met = false;
  std::vector<SloResult> slos;
};

struct CapacityResult {
  double capacity = 0;                // highest rate tried that met every SLO (0: none did)
  double first_missed = 0;            // lowest rate tried that missed one (0: none did)
  bool converged = false;             // both found, within the tolerance
  std::vector<CapacityTrial> trials;  // in the order they ran
};

// `trial(rate)` runs one trial. tolerance in (0, 1); at most `max_runs` trials (>= 2).
CapacityResult search_capacity(double start, double tolerance, int max_runs,
                               const std::function<CapacityTrial(double)>& trial);

}  // namespace scalesim
