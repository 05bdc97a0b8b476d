#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/patterns/version_splitter.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"

namespace scalesim {

VersionSplitter VersionSplitter::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "stable", "canary", "steps", "step_duration", "rollback", "error_rate",
                    "fault", "to"});
  CanaryPlan plan;
  const ConfigNode steps = node.at("steps");
  steps.expect_sequence();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    plan.steps.push_back(share_at(steps[i]));
    if (i > 0 && plan.steps[i] <= plan.steps[i - 1]) steps[i].fail("steps must increase");
  }
  if (plan.steps.empty() || plan.steps.back() != 1.0) steps.fail("the last step must be 100%");
  plan.step_duration = node.duration("step_duration");
  if (plan.step_duration <= 0) node.at("step_duration").fail("must be greater than zero");
  if (const auto rb = node.find("rollback")) {
    rb->expect_keys({"max_p99", "max_error_rate", "min_answers"});
    plan.max_p99 = rb->duration_or("max_p99", kTimeInfinity);
    if (const auto e = rb->find("max_error_rate")) plan.max_error_rate = share_at(*e);
    plan.min_answers =
        static_cast<std::uint64_t>(std::max<std::int64_t>(1, rb->integer_or("min_answers", 100)));
  }
  if (const auto er = node.find("error_rate")) {
    er->expect_keys({"stable", "canary"});
    if (const auto v = er->find("stable")) plan.stable_error_rate = share_at(*v);
    if (const auto v = er->find("canary")) plan.canary_error_rate = share_at(*v);
  }
  if (const auto f = node.find("fault")) {
    f->expect_keys({"at", "error_rate", "delay"});
    plan.fault_at = f->duration("at");
    plan.fault_error_rate =
        f->has("error_rate") ? share_at(f->at("error_rate")) : plan.canary_error_rate;
    plan.fault_delay = f->duration_or("delay", 0);
  }
  return VersionSplitter(ctx.link(node.at("stable")), ctx.link(node.at("canary")),
                         ctx.link(node.at("to")), std::move(plan), ctx.warmup(), ctx.interval(),
                         ctx.adaptive());
}

void VersionSplitter::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  const double nan = std::nan("");
  r.text("state",
         rolled_out()    ? std::string("rolled out")
         : rolled_back() ? "ROLLED BACK at step " + std::to_string(step() + 1) + " of " +
                               std::to_string(plan().steps.size())
                         : std::string("in progress"),
         kText);
  r.value("canary_share", share(), Unit::kShare, kHeadline);
  r.count("rolled_out", rolled_out() ? 1 : 0);
  r.count("rolled_back", rolled_back() ? 1 : 0, kHeadline);
  r.value("rollout_s", rolled_out() ? to_seconds(rolled_out_at()) : nan, Unit::kSeconds, kHeadline);
  r.value("rollback_s", rolled_back() ? to_seconds(rolled_back_at()) : nan, Unit::kSeconds,
          kHeadline);
  for (int ver : {kStable, kCanary}) {
    const std::string tag = ver == kStable ? "stable" : "canary";
    const double n = static_cast<double>(answers(ver));
    r.count(tag + "_answers", answers(ver), kText);
    r.count(tag + "_errors", errors(ver));
    r.value(tag + "_error_rate", n > 0 ? static_cast<double>(errors(ver)) / n : 0.0, Unit::kShare,
            kHeadline);
    r.latency(tag + "_latency", std::nullopt, latency(ver), kP99, kP99);
  }
  r.summary_count(answers(kStable) + answers(kCanary));
}

}  // namespace scalesim
