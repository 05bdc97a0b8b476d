// Cross-validation of the GPU model: each group of measurements is predicted by a fit that did
// not see it. The out-of-sample errors are the model's fidelity figures; in-sample errors (the
// fit to everything) only show how well it can echo what it was given.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hardware/gpu/gpu_calibration.h"

namespace scalesim::hardware {

// What a fold leaves out: one point, or every point of one publication, device variant or
// model.
enum class Grouping { kPoint, kPublication, kDevice, kModel };
inline constexpr Grouping kGroupings[] = {Grouping::kPoint, Grouping::kPublication,
                                          Grouping::kDevice, Grouping::kModel};
std::string to_string(Grouping g);
std::string group_of(const GpuMeasurement& m, Grouping g);

struct CrossValidation {
  Grouping grouping = Grouping::kPoint;
  int folds = 0;
  // Per measurement, in input order: (predicted - measured) / measured by the fit without the
  // measurement's group.
  std::vector<double> out_of_sample;
  double median_abs = 0;
  double worst_abs = 0;
  // Each fold's fit, by the group it left out (in order of first appearance): what predicts
  // other figures of that group out of sample (the MLPerf server replay).
  std::vector<std::pair<std::string, GpuFit>> fold_fits;
  const GpuFit* fit_without(const std::string& group) const;
};

// Each fold refits from `full` (the fit to every point) with the left-out group's points
// removed; a parameter that only the left-out points depend on (a precision or a software
// stack no other point uses) falls back to the prior, so nothing of the group leaks in.
CrossValidation cross_validate(const std::vector<ResolvedMeasurement>& data, const GpuFit& full,
                               const GpuFit& prior, Grouping grouping);

// |errors|: median and maximum (0 when empty).
double median_abs(std::vector<double> errors);
double max_abs(const std::vector<double>& errors);

}  // namespace scalesim::hardware
