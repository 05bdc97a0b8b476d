// Service-time and inter-arrival distributions for queueing components. Parameters are held in
// nanoseconds; sample() rounds once to integer simulated time.
//
// Config forms (every duration with a unit):
//   {distribution: exponential, mean: 10ms}            or  {distribution: exponential, rate: 100/s}
//   {distribution: deterministic, value: 10ms}
//   {distribution: lognormal, mean: 10ms, cv: 1.5}    (cv = standard deviation / mean)
//   {distribution: empirical, values: [2ms, 5ms, 40ms], probabilities: [0.7, 0.2, 0.1]}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalesim/config/config_node.h"
#include "scalesim/random.h"
#include "scalesim/sim_time.h"

namespace scalesim {

class Distribution {
 public:
  enum class Kind : std::uint8_t { kExponential, kDeterministic, kLognormal, kEmpirical };

  static Distribution exponential(SimTime mean);
  static Distribution deterministic(SimTime value);
  static Distribution lognormal(SimTime mean, double cv);
  static Distribution empirical(std::vector<SimTime> values, std::vector<double> probabilities);
  static Distribution from_config(const ConfigNode& node);

  SimTime sample(LpRandom& rng) const {
    switch (kind_) {
      case Kind::kExponential:
        return from_nanoseconds(rng.exponential(mean_ns_));
      case Kind::kDeterministic:
        return value_;
      case Kind::kLognormal:
        return from_nanoseconds(rng.lognormal(mu_, sigma_));
      case Kind::kEmpirical:
        return sample_empirical(rng.uniform());
    }
    return value_;
  }

  Kind kind() const { return kind_; }
  double mean_seconds() const { return mean_ns_ * 1e-9; }
  // E[X^2] in s^2, for Pollaczek-Khinchine and friends.
  double second_moment_seconds() const { return second_moment_ns2_ * 1e-18; }
  std::string describe() const;

 private:
  SimTime sample_empirical(double u) const;

  Kind kind_ = Kind::kDeterministic;
  double mean_ns_ = 0.0;
  double second_moment_ns2_ = 0.0;
  SimTime value_ = 0;
  double mu_ = 0.0, sigma_ = 0.0;   // lognormal: parameters of the underlying normal
  std::vector<SimTime> values_;     // empirical
  std::vector<double> cumulative_;  // empirical: cumulative probabilities, last = 1
};

}  // namespace scalesim
