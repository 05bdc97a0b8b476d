#include "models/patterns/capacity_search.h"

#include <cmath>
#include <stdexcept>

namespace scalesim {

CapacityResult search_capacity(double start, double tolerance, int max_runs,
                               const std::function<CapacityTrial(double)>& trial) {
  if (!(start > 0) || !(tolerance > 0 && tolerance < 1) || max_runs < 2) {
    throw std::invalid_argument("capacity search: start > 0, tolerance in (0, 1), max_runs >= 2");
  }
  CapacityResult result;
  auto& trials = result.trials;
  const auto run = [&](double rate) {
    trials.push_back(trial(rate));
    return trials.back().met;
  };
  const auto room = [&] { return static_cast<int>(trials.size()) < max_runs; };
  double lo = 0, hi = 0;  // highest rate met, lowest rate missed
  if (run(start)) {
    lo = start;
    for (double r = start * 2; room(); r *= 2) {
      if (!run(r)) {
        hi = r;
        break;
      }
      lo = r;
    }
  } else {
    hi = start;
    for (double r = start / 2; room(); r /= 2) {
      if (run(r)) {
        lo = r;
        break;
      }
      hi = r;
    }
  }
  while (lo > 0 && hi > 0 && hi / lo > 1 + tolerance && room()) {
    const double mid = std::sqrt(lo * hi);
    (run(mid) ? lo : hi) = mid;
  }
  result.capacity = lo;
  result.first_missed = hi;
  result.converged = lo > 0 && hi > 0 && hi / lo <= 1 + tolerance;
  return result;
}

}  // namespace scalesim
