#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/network_link.h"

namespace scalesim {

NetworkLink NetworkLink::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "to", "outages", "in_flight"});
  std::vector<NetworkLink::Outage> outages;
  if (const auto list = node.find("outages")) {
    list->expect_sequence();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const ConfigNode o = (*list)[i];
      o.expect_keys({"at", "for"});
      NetworkLink::Outage out{o.duration("at"), o.duration("for")};
      if (out.duration <= 0) o.at("for").fail("an outage must last longer than zero");
      if (!outages.empty() && out.at < outages.back().at + outages.back().duration)
        o.at("at").fail("outages must be listed in time order and must not overlap");
      outages.push_back(out);
    }
  }
  const std::string policy = node.string_or("in_flight", "hold");
  if (policy != "hold" && policy != "fail")
    node.at("in_flight").fail("must be hold or fail, got '" + policy + "'");
  return NetworkLink(ctx.link(node.at("to")), std::move(outages), policy == "hold", ctx.warmup(),
                     ctx.interval(), ctx.adaptive());
}

void NetworkLink::report(ComponentReport& r, const ReportContext& ctx) const {
  r.text("to", ctx.name_of(out().to), kText);
  r.count("sent", forwarded(), kText);
  r.count("outages", outages().size(), kText);
  r.value("availability", availability(ctx.end_time), Unit::kShare, kHeadline);
  r.count("held_requests", held(), holds() ? kHeadline | kText : kHeadline);
  r.value("mean_hold_s", held_time().mean(), Unit::kSeconds,
          holds() ? kHeadline | kText : kHeadline);
  r.count("failed_requests", dropped(), holds() ? kHeadline : kHeadline | kText);
  r.summary_count(forwarded());
}

}  // namespace scalesim
