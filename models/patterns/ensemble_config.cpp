#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/patterns/ensemble.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"

namespace scalesim {

Ensemble Ensemble::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "members", "quorum", "timeout", "combiner", "to"});
  const ConfigNode list = node.at("members");
  list.expect_sequence();
  if (list.size() < 2) list.fail("an ensemble needs at least two members");
  std::vector<Link> members;
  for (std::size_t i = 0; i < list.size(); ++i) {
    members.push_back(ctx.link(list[i]));
    for (std::size_t j = 0; j + 1 < members.size(); ++j) {
      if (members[j].to == members.back().to) list[i].fail("a member is listed twice");
    }
  }
  const std::int64_t quorum = node.integer_or("quorum", static_cast<std::int64_t>(members.size()));
  if (quorum < 1 || quorum > static_cast<std::int64_t>(members.size())) {
    node.at("quorum").fail("must lie between 1 and the number of members");
  }
  return Ensemble(std::move(members), static_cast<std::uint32_t>(quorum),
                  node.duration_or("timeout", 0), node.duration_or("combiner", 0),
                  ctx.link(node.at("to")), ctx.warmup(), ctx.interval(), ctx.adaptive());
}

void Ensemble::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.count("requests", requests(), kText);
  r.count("members", members().size(), kText);
  r.count("quorum", quorum(), kText);
  r.count("released", released());
  r.count("timeouts", timeouts(), kText);
  r.value("timeout_share",
          requests() ? static_cast<double>(timeouts()) / static_cast<double>(requests()) : 0.0,
          Unit::kShare, kHeadline);
  r.latency("join", join_latency().mean(), join_histogram(), kMean | kP99, kMean | kP99, true);
  r.value("mean_straggler_gap_s", straggler_gap().mean(), Unit::kSeconds, kHeadline);
  r.summary_count(released());
}

}  // namespace scalesim
