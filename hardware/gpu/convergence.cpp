#include "hardware/gpu/convergence.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace scalesim::hardware {

double ConvergenceCurve::to_target(double global_batch) const {
  if (points.empty()) throw std::out_of_range(benchmark + ": no reference convergence points");
  if (global_batch <= points.front().first) return points.front().second;
  const auto hi = std::lower_bound(points.begin(), points.end(), global_batch,
                                   [](const auto& p, double b) { return p.first < b; });
  if (hi == points.end()) {
    throw std::out_of_range("global batch " + std::to_string(static_cast<long long>(global_batch)) +
                            " is above the largest " + benchmark + " reference point (" +
                            std::to_string(static_cast<long long>(points.back().first)) +
                            "): no convergence data");
  }
  if (hi->first == global_batch) return hi->second;
  const auto lo = hi - 1;
  const double w = (global_batch - lo->first) / (hi->first - lo->first);
  return lo->second + w * (hi->second - lo->second);
}

ConvergenceCurve ConvergenceCurve::from_config(const ConfigNode& node) {
  node.expect_keys({"benchmark", "quality", "unit", "points", "source"});
  ConvergenceCurve c;
  c.benchmark = node.string("benchmark");
  c.quality = node.string_or("quality", "");
  const std::string unit = node.string("unit");
  if (unit != "epochs" && unit != "samples") node.at("unit").fail("must be epochs or samples");
  c.in_samples = unit == "samples";
  const ConfigNode pts = node.at("points");
  for (const auto& [batch, mean] : pts.entries()) {
    double b = 0;
    try {
      std::size_t used = 0;
      b = std::stod(batch, &used);
      if (used != batch.size()) b = 0;
    } catch (const std::exception&) {
      b = 0;
    }
    if (!(b >= 1) || !std::isfinite(b)) mean.fail("'" + batch + "' is not a global batch size");
    const double v = mean.as_double();
    if (!(v > 0)) mean.fail("must be greater than zero");
    c.points.emplace_back(b, v);
  }
  if (c.points.empty()) pts.fail("needs at least one reference point");
  std::sort(c.points.begin(), c.points.end());
  c.source = node.string("source");
  return c;
}

}  // namespace scalesim::hardware
