#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/patterns/cascade_gate.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"

namespace scalesim {

CascadeGate CascadeGate::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "confidence", "threshold", "accept", "escalate"});
  const double threshold = node.number("threshold");
  if (!(threshold >= 0 && threshold <= 1)) node.at("threshold").fail("must lie in [0, 1]");
  const ConfigNode conf = node.at("confidence");
  CascadeGate::Field field = CascadeGate::Field::kNone;
  double scale = 1.0;
  ConfidenceScoreDistribution dist(1, 1);
  if (conf.has("field")) {
    conf.expect_keys({"field", "scale"});
    const std::string f = conf.string("field");
    if (f == "size") {
      field = CascadeGate::Field::kSize;
    } else if (f == "aux") {
      field = CascadeGate::Field::kAux;
    } else {
      conf.at("field").fail(
          "a request carries `size` and `aux`; map the trace's confidence "
          "column to one of them");
    }
    scale = conf.has("scale") ? conf.positive_number("scale") : 1.0;
  } else {
    dist = ConfidenceScoreDistribution::from_config(conf);
  }
  return CascadeGate(dist, threshold, ctx.link(node.at("accept")), ctx.link(node.at("escalate")),
                     ctx.interval(), ctx.adaptive(), field, scale);
}

void CascadeGate::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.count("accepted", accepted(), kText);
  r.count("escalated", escalated(), kText);
  r.value("accepted_share", accepted_share(), Unit::kShare, kHeadline);
  r.value("expected_accepted_share", expected_accept_share(), Unit::kShare, kText);
  r.text("confidence", std::isnan(expected_accept_share()) ? std::string("per request")
                                                           : confidence().describe());
  r.value("threshold", threshold(), Unit::kNumber, kText);
  r.summary_count(accepted() + escalated());
}

}  // namespace scalesim
