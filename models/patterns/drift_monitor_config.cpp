#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/patterns/drift_monitor.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"

namespace scalesim {

DriftMonitor DriftMonitor::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "fresh_accuracy", "drift_per_day", "shifts", "threshold", "check_every",
                    "eval_samples", "retrain"});
  DriftSetup d;
  if (const auto a = node.find("fresh_accuracy")) d.fresh_accuracy = share_at(*a);
  if (const auto r = node.find("drift_per_day")) d.drift_per_day = share_at(*r);
  if (const auto sh = node.find("shifts")) {
    sh->expect_keys({"every", "drop"});
    d.shift_every = sh->duration("every");
    if (d.shift_every <= 0) sh->at("every").fail("must be greater than zero");
    d.shift_drop = share_at(sh->at("drop"));
  }
  d.threshold = share_at(node.at("threshold"));
  if (d.threshold >= d.fresh_accuracy) {
    node.at("threshold").fail("must be below fresh_accuracy, or it would retrain forever");
  }
  d.check_every = node.duration_or("check_every", SimTime{3600} * kSecond);
  if (d.check_every <= 0) node.at("check_every").fail("must be greater than zero");
  const std::int64_t samples = node.integer_or("eval_samples", 1000);
  if (samples < 1) node.at("eval_samples").fail("must be at least 1");
  d.eval_samples = static_cast<std::uint32_t>(samples);
  return DriftMonitor(d, ctx.link(node.at("retrain")), ctx.interval(), ctx.adaptive());
}

void DriftMonitor::report(ComponentReport& r, const ReportContext& ctx) const {
  r.count("triggers", triggers(), kText);
  r.count("deployments", deployments(), kHeadline);
  r.value("mean_retrain_s", retrain_time().mean(), Unit::kSeconds, kHeadline);
  r.count("shifts", shifts(), kText);
  r.value("mean_accuracy", mean_accuracy(ctx.end_time), Unit::kShare, kHeadline);
  r.value("stale_share", stale_share(ctx.end_time), Unit::kShare, kHeadline);
  r.summary_count(deployments());
}

}  // namespace scalesim
