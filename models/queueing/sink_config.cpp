#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/sink.h"

namespace scalesim {

Sink Sink::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type"});
  return Sink(ctx.warmup(), ctx.interval(), ctx.adaptive(), ctx.settings().request_sample);
}

}  // namespace scalesim
