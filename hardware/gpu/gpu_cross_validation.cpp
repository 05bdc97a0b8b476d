#include "hardware/gpu/gpu_cross_validation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

namespace scalesim::hardware {
namespace {

// Fold fits start near the full fit, so a few short restarts reach the fold's optimum.
constexpr int kFoldRestarts = 3;
constexpr int kFoldEvaluationsPerRestart = 1500;

// The full fit's values where the fold's data still depends on a parameter, the prior's where
// only left-out points did.
GpuFit fold_start(const std::vector<ResolvedMeasurement>& kept, const GpuFit& full,
                  const GpuFit& prior) {
  GpuFit start = full;
  std::vector<bool> precision_seen(kPrecisionCount, false);
  for (const auto& r : kept) {
    const Precision p = r.precision == Precision::kBf16 ? Precision::kFp16 : r.precision;
    precision_seen[index_of(p)] = true;
  }
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    if (!precision_seen[i]) start.common.max_efficiency[i] = prior.common.max_efficiency[i];
  }
  start.common.max_efficiency[index_of(Precision::kBf16)] =
      start.common.max_efficiency[index_of(Precision::kFp16)];
  for (auto& entry : start.per_op_overhead) {
    const std::string& stack = entry.first;
    const bool seen =
        std::any_of(kept.begin(), kept.end(), [&](const auto& r) { return r.stack.name == stack; });
    if (seen) continue;
    for (const auto& [s, prior_t] : prior.per_op_overhead) {
      if (s == stack) entry.second = prior_t;
    }
  }
  return start;
}

}  // namespace

std::string to_string(Grouping g) {
  switch (g) {
    case Grouping::kPoint:
      return "point";
    case Grouping::kPublication:
      return "publication";
    case Grouping::kDevice:
      return "device";
    case Grouping::kModel:
      return "model";
  }
  return "point";
}

std::string group_of(const GpuMeasurement& m, Grouping g) {
  switch (g) {
    case Grouping::kPoint:
      return m.where();
    case Grouping::kPublication:
      return m.publication();
    case Grouping::kDevice:
      return m.device;
    case Grouping::kModel:
      return m.model;
  }
  return m.where();
}

const GpuFit* CrossValidation::fit_without(const std::string& group) const {
  for (const auto& [g, fit] : fold_fits) {
    if (g == group) return &fit;
  }
  return nullptr;
}

double median_abs(std::vector<double> errors) {
  if (errors.empty()) return 0;
  for (double& e : errors) e = std::abs(e);
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  return n % 2 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
}

double max_abs(const std::vector<double>& errors) {
  double worst = 0;
  for (const double e : errors) worst = std::max(worst, std::abs(e));
  return worst;
}

CrossValidation cross_validate(const std::vector<ResolvedMeasurement>& data, const GpuFit& full,
                               const GpuFit& prior, Grouping grouping) {
  CrossValidation cv;
  cv.grouping = grouping;
  cv.out_of_sample.assign(data.size(), 0.0);
  // Groups in order of first appearance, so the folds run in a fixed order.
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::string g = group_of(*data[i].m, grouping);
    auto [it, fresh] = members.try_emplace(g);
    if (fresh) groups.push_back(g);
    it->second.push_back(i);
  }
  // Folds are independent: threads take every k-th fold and write only their own points, so the
  // result is the same for any thread count.
  cv.fold_fits.resize(groups.size());
  const auto run_fold = [&](std::size_t f) {
    const std::string& g = groups[f];
    const auto& out = members.at(g);
    std::vector<ResolvedMeasurement> kept;
    kept.reserve(data.size() - out.size());
    for (std::size_t i = 0, k = 0; i < data.size(); ++i) {
      if (k < out.size() && out[k] == i) {
        ++k;
        continue;
      }
      kept.push_back(data[i]);
    }
    const FitReport fold = fit_gpu_model(kept, fold_start(kept, full, prior), kFoldRestarts,
                                         kFoldEvaluationsPerRestart);
    for (const std::size_t i : out) {
      cv.out_of_sample[i] = (predict(data[i], fold.fit) - data[i].m->value) / data[i].m->value;
    }
    cv.fold_fits[f] = {g, fold.fit};
  };
  const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                                      std::max<std::size_t>(groups.size(), 1));
  std::vector<std::jthread> workers;
  workers.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t f = t; f < groups.size(); f += threads) run_fold(f);
    });
  }
  workers.clear();  // joins
  cv.folds = static_cast<int>(groups.size());
  cv.median_abs = median_abs(cv.out_of_sample);
  cv.worst_abs = max_abs(cv.out_of_sample);
  return cv;
}

}  // namespace scalesim::hardware
