#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/sink.h"

namespace scalesim {

Sink Sink::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type"});
  return Sink(ctx.warmup(), ctx.interval(), ctx.adaptive(), ctx.settings().request_sample);
}

void Sink::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.count("arrived", arrived());
  r.count("measured", measured(), kText);
  r.latency("latency", latency().mean(), histogram(), kMean | kP50 | kP99,
            kMean | kP50 | kP90 | kP99, true);
  r.value("latency_ci99_half_width_s", latency_batches().interval(0.99).half_width, Unit::kSeconds);
  r.value("throughput_per_s", throughput(), Unit::kPerSecond, kHeadline);
  r.delivered_per_s(throughput());
  r.summary_count(measured());
}

}  // namespace scalesim
