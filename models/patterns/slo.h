// Service-level objectives a topology declares (config key `slos`) and their verdicts after a
// run: each names a reported metric ("done.p99_latency_s", "cost.per_million_requests") and a
// target with a comparison ("< 50ms", ">= 1000/s", ">= 80%", "< 2.5").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scalesim/config/config_node.h"

namespace scalesim {

struct SloSpec {
  enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual };
  std::string name;
  std::string metric;
  std::string target_text;  // as written
  Op op = Op::kLess;
  double target = 0;  // in the metric's unit: seconds, per second, a fraction, dollars

  bool met_by(double value) const;
  static SloSpec from_config(const ConfigNode& node);
};

struct SloResult {
  SloSpec spec;
  double value = 0;
  bool met = false;
};

using Metrics = std::vector<std::pair<std::string, double>>;

// Fails at the SLO's `metric` key (with "did you mean") when a metric is not reported.
void check_slo_metrics(const std::vector<std::pair<SloSpec, ConfigNode>>& slos,
                       const Metrics& reported);
std::vector<SloResult> evaluate_slos(const std::vector<SloSpec>& slos, const Metrics& metrics);

}  // namespace scalesim
