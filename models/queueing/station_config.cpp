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
  node.expect_keys({"type", "servers", "service", "to", "capacity", "on_reject", "patience",
                    "deadline", "on_abandon"});
  const std::int64_t servers = node.integer_or("servers", 1);
  if (servers < 1 || servers > 1'000'000) node.at("servers").fail("must be between 1 and 1000000");
  const std::optional<Link> out = ctx.optional_link(node, "to");
  Station station(static_cast<std::uint32_t>(servers),
                  Distribution::from_config(node.at("service")), out, ctx.warmup(), ctx.interval(),
                  ctx.adaptive());
  if (const auto k = node.find("capacity")) {
    // K counts customers waiting and in service (Kendall's M/M/c/K), so it is at least c.
    const std::int64_t capacity = k->as_int();
    if (capacity < servers) {
      k->fail("capacity " + std::to_string(capacity) + " is below the " + std::to_string(servers) +
              " servers: it counts customers waiting and in service, so it must be at least that");
    }
    station.limit_capacity(static_cast<std::uint64_t>(capacity),
                           ctx.optional_link(node, "on_reject"));
  } else if (node.has("on_reject")) {
    node.at("on_reject").fail("on_reject needs a capacity: rejections happen only when it is full");
  }
  std::optional<Distribution> patience;
  if (const auto p = node.find("patience")) patience = Distribution::from_config(*p);
  SimTime deadline = 0;
  if (const auto d = node.find("deadline")) {
    deadline = d->as_duration();
    if (deadline <= 0)
      d->fail("a deadline must be positive (it counts from the request's creation)");
  }
  if (patience || deadline != 0) {
    station.limit_waiting(std::move(patience), deadline, ctx.optional_link(node, "on_abandon"));
  } else if (node.has("on_abandon")) {
    node.at("on_abandon")
        .fail("on_abandon needs a patience or a deadline: nobody leaves without one");
  }
  return station;
}

}  // namespace scalesim
