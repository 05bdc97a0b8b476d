#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/patterns/cascade_gate.h"
#include "models/queueing/build_context.h"

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

}  // namespace scalesim
