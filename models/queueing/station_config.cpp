#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/station.h"

namespace scalesim {

Station Station::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "servers", "service", "to"});
  const std::int64_t servers = node.integer_or("servers", 1);
  if (servers < 1 || servers > 1'000'000) node.at("servers").fail("must be between 1 and 1000000");
  const std::optional<Link> out = ctx.optional_link(node, "to");
  return Station(static_cast<std::uint32_t>(servers), Distribution::from_config(node.at("service")),
                 out, ctx.warmup(), ctx.interval(), ctx.adaptive());
}

}  // namespace scalesim
