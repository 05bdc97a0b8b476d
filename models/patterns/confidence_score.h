// The confidence score a fast model reports for a request, as a distribution on [0, 1]:
// Beta(a, b) (uniform is Beta(1, 1)). Not a confidence interval (scalesim/stats/confidence.h
// has those). Sampled by the ratio of two gamma variates (Marsaglia and Tsang's
// method), so a draw costs a few normal and uniform numbers and no table.
#pragma once

#include <cmath>
#include <string>

#include "scalesim/config/config_node.h"
#include "scalesim/random.h"

namespace scalesim {

class ConfidenceScoreDistribution {
 public:
  ConfidenceScoreDistribution(double alpha = 1, double beta = 1) : alpha_(alpha), beta_(beta) {}

  double sample(LpRandom& rng) const {
    const double x = gamma(rng, alpha_);
    const double y = gamma(rng, beta_);
    return x / (x + y);
  }

  // P(confidence >= t): the share a threshold t lets through (regularised incomplete beta).
  double survival(double t) const;
  double mean() const { return alpha_ / (alpha_ + beta_); }
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }
  std::string describe() const;

  // {distribution: beta, alpha: A, beta: B} or {distribution: uniform}.
  static ConfidenceScoreDistribution from_config(const ConfigNode& node);

 private:
  static double gamma(LpRandom& rng, double shape) {
    if (shape < 1.0) {
      // Boost a shape below one: G(a) = G(a + 1) * U^(1/a).
      return gamma(rng, shape + 1.0) * std::pow(rng.uniform(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0, v = 0;
      do {
        x = rng.normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = rng.uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  double alpha_, beta_;
};

}  // namespace scalesim
