// How much training a model needs to reach its quality target, as a function of the global
// batch size: MLPerf Training's reference convergence points (RCPs), per model profile.
//
// A larger global batch needs more epochs (or samples) to converge; the RCPs measure that at a
// few batch sizes. Between two points the curve is linear in the batch size and below the
// smallest point it is that point's value, as mlperf_logging's rcp_checker uses them; above
// the largest point there is no reference, which is an error.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scalesim/config/config_node.h"

namespace scalesim::hardware {

struct ConvergenceCurve {
  std::string benchmark;    // "resnet", "bert"
  std::string quality;      // the target, in words ("75.90% top-1")
  bool in_samples = false;  // points count training samples (BERT), not epochs
  std::vector<std::pair<double, double>> points;  // (global batch, mean to target), sorted
  std::string source;

  // Epochs (or samples) to reach the target at `global_batch`; throws std::out_of_range above
  // the largest reference point.
  double to_target(double global_batch) const;
  // Epochs over a dataset of `dataset_samples`.
  double epochs_to_target(double global_batch, double dataset_samples) const {
    const double v = to_target(global_batch);
    return in_samples ? v / dataset_samples : v;
  }

  // `convergence:` of a model profile: {benchmark, quality, unit: epochs | samples,
  // points: {BATCH: MEAN, ...}, source}.
  static ConvergenceCurve from_config(const ConfigNode& node);
};

}  // namespace scalesim::hardware
