#include "models/queueing/distribution.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scalesim/config/units.h"

namespace scalesim {

Distribution Distribution::exponential(SimTime mean) {
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.mean_ns_ = static_cast<double>(mean);
  d.second_moment_ns2_ = 2.0 * d.mean_ns_ * d.mean_ns_;
  return d;
}

Distribution Distribution::deterministic(SimTime value) {
  Distribution d;
  d.kind_ = Kind::kDeterministic;
  d.value_ = value;
  d.mean_ns_ = static_cast<double>(value);
  d.second_moment_ns2_ = d.mean_ns_ * d.mean_ns_;
  return d;
}

Distribution Distribution::lognormal(SimTime mean, double cv) {
  Distribution d;
  d.kind_ = Kind::kLognormal;
  d.mean_ns_ = static_cast<double>(mean);
  d.sigma_ = std::sqrt(std::log1p(cv * cv));
  d.mu_ = std::log(d.mean_ns_) - d.sigma_ * d.sigma_ / 2.0;
  d.second_moment_ns2_ = d.mean_ns_ * d.mean_ns_ * (1.0 + cv * cv);
  return d;
}

Distribution Distribution::empirical(std::vector<SimTime> values,
                                     std::vector<double> probabilities) {
  Distribution d;
  d.kind_ = Kind::kEmpirical;
  if (probabilities.empty())
    probabilities.assign(values.size(), 1.0 / static_cast<double>(values.size()));
  double total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    total += probabilities[i];
    d.cumulative_.push_back(total);
    const auto v = static_cast<double>(values[i]);
    d.mean_ns_ += probabilities[i] * v;
    d.second_moment_ns2_ += probabilities[i] * v * v;
  }
  for (auto& c : d.cumulative_) c /= total;
  d.cumulative_.back() = 1.0;
  d.mean_ns_ /= total;
  d.second_moment_ns2_ /= total;
  d.values_ = std::move(values);
  return d;
}

SimTime Distribution::sample_empirical(double u) const {
  const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), u);
  return values_[static_cast<std::size_t>(it - cumulative_.begin())];
}

Distribution Distribution::from_config(const ConfigNode& node) {
  node.expect_map();
  const std::string kind = node.string("distribution");
  const auto positive = [&](const char* key, SimTime t) {
    if (t <= 0) node.at(key).fail(std::string(key) + " must be greater than zero");
    return t;
  };
  if (kind == "exponential") {
    node.expect_keys({"distribution", "mean", "rate"});
    if (node.has("mean") == node.has("rate")) node.fail("give exactly one of 'mean' or 'rate'");
    if (node.has("mean")) return exponential(positive("mean", node.duration("mean")));
    const double rate = node.rate("rate");
    if (rate <= 0) node.at("rate").fail("rate must be greater than zero");
    // A mean gap beyond ~290 years would not fit simulated time (int64 nanoseconds).
    if (!(1.0 / rate < 9e9)) node.at("rate").fail("rate is below one per 285 years");
    return exponential(from_seconds(1.0 / rate));
  }
  if (kind == "deterministic") {
    node.expect_keys({"distribution", "value"});
    return deterministic(node.duration("value"));
  }
  if (kind == "lognormal") {
    node.expect_keys({"distribution", "mean", "cv"});
    const double cv = node.number("cv");
    if (!(cv > 0)) node.at("cv").fail("cv (standard deviation / mean) must be greater than zero");
    return lognormal(positive("mean", node.duration("mean")), cv);
  }
  if (kind == "empirical") {
    node.expect_keys({"distribution", "values", "probabilities"});
    const ConfigNode vals = node.at("values");
    vals.expect_sequence();
    if (vals.size() == 0) vals.fail("needs at least one value");
    std::vector<SimTime> values;
    for (std::size_t i = 0; i < vals.size(); ++i) values.push_back(vals[i].as_duration());
    std::vector<double> probs;
    if (auto p = node.find("probabilities")) {
      p->expect_sequence();
      if (p->size() != values.size()) p->fail("needs one probability per value");
      for (std::size_t i = 0; i < p->size(); ++i) {
        const double x = (*p)[i].as_double();
        if (!(x >= 0)) (*p)[i].fail("probabilities may not be negative");
        probs.push_back(x);
      }
      double total = 0;
      for (double x : probs) total += x;
      if (std::fabs(total - 1.0) > 1e-6) p->fail("probabilities must sum to 1");
    }
    return empirical(std::move(values), std::move(probs));
  }
  const std::vector<std::string> kinds = {"exponential", "deterministic", "lognormal", "empirical"};
  std::string msg = "unknown distribution '" + kind + "'";
  if (auto near = closest_match(kind, kinds))
    msg += "; did you mean '" + *near + "'?";
  else
    msg += "; use exponential, deterministic, lognormal or empirical";
  node.at("distribution").fail(msg);
}

std::string Distribution::describe() const {
  switch (kind_) {
    case Kind::kExponential:
      return "exponential(mean " + format_duration(mean_seconds()) + ")";
    case Kind::kDeterministic:
      return "deterministic(" + format_duration(mean_seconds()) + ")";
    case Kind::kLognormal: {
      const double cv = std::sqrt(std::expm1(sigma_ * sigma_));
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3g", cv);
      return "lognormal(mean " + format_duration(mean_seconds()) + ", cv " + buf + ")";
    }
    case Kind::kEmpirical:
      return "empirical(" + std::to_string(values_.size()) + " values, mean " +
             format_duration(mean_seconds()) + ")";
  }
  return "";
}

}  // namespace scalesim
