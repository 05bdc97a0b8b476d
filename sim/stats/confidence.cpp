#include "scalesim/stats/confidence.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace scalesim {

double student_t_critical(double level, std::uint64_t dof) {
  const boost::math::students_t dist(static_cast<double>(dof));
  return boost::math::quantile(dist, 0.5 + level / 2.0);
}

ConfidenceInterval t_interval(const Welford& estimates, double level) {
  ConfidenceInterval ci;
  ci.mean = estimates.mean();
  ci.level = level;
  ci.samples = estimates.count();
  if (estimates.count() < 2) {
    ci.half_width = std::numeric_limits<double>::infinity();
    return ci;
  }
  const double se = estimates.stddev() / std::sqrt(static_cast<double>(estimates.count()));
  ci.half_width = student_t_critical(level, estimates.count() - 1) * se;
  return ci;
}

ConfidenceInterval t_interval(std::span<const double> estimates, double level) {
  Welford w;
  for (double x : estimates) w.add(x);
  return t_interval(w, level);
}

void BatchMeans::halve() {
  for (std::size_t i = 0; i < target_; ++i) sums_[i] = sums_[2 * i] + sums_[2 * i + 1];
  sums_.resize(target_);
  batch_size_ *= 2;
}

ConfidenceInterval BatchMeans::interval(double level) const {
  Welford w;
  for (double s : sums_) w.add(s / static_cast<double>(batch_size_));
  return t_interval(w, level);
}

}  // namespace scalesim
