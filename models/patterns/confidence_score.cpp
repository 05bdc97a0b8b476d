#include "models/patterns/confidence_score.h"

#include <boost/math/special_functions/beta.hpp>
#include <cstdio>

namespace scalesim {

double ConfidenceScoreDistribution::survival(double t) const {
  if (t <= 0) return 1.0;
  if (t >= 1) return 0.0;
  return boost::math::ibetac(alpha_, beta_, t);
}

std::string ConfidenceScoreDistribution::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "beta(%g, %g)", alpha_, beta_);
  return buf;
}

ConfidenceScoreDistribution ConfidenceScoreDistribution::from_config(const ConfigNode& node) {
  node.expect_keys({"distribution", "alpha", "beta"});
  const std::string kind = node.string("distribution");
  if (kind == "uniform") {
    if (node.has("alpha") || node.has("beta"))
      node.fail("a uniform confidence takes no parameters");
    return {1, 1};
  }
  if (kind != "beta") {
    std::string msg = "unknown confidence distribution '" + kind + "'; use beta or uniform";
    if (auto near = closest_match(kind, {"beta", "uniform"}))
      msg = "unknown confidence distribution '" + kind + "'; did you mean '" + *near + "'?";
    node.at("distribution").fail(msg);
  }
  const double a = node.positive_number("alpha");
  const double b = node.positive_number("beta");
  return {a, b};
}

}  // namespace scalesim
