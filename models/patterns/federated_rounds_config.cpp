#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"
#include "models/patterns/federated_rounds.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/serving/catalog_lookup.h"

namespace scalesim {

FederatedRounds FederatedRounds::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "clients", "per_round", "over_selection", "availability", "dropout",
                    "rounds", "algorithm", "deadline", "min_reports", "model_bytes", "compute",
                    "downlink", "uplink", "server_link", "server_overhead", "secure_aggregation",
                    "cost", "to"});
  FederatedSetup f;
  auto count = [&](std::string_view key, std::int64_t def, std::int64_t max) {
    const std::int64_t v = node.integer_or(key, def);
    if (v < 1 || v > max) node.at(key).fail("must be between 1 and " + std::to_string(max));
    return static_cast<std::uint32_t>(v);
  };
  f.clients = count("clients", 1000, 100'000'000);
  f.per_round = count("per_round", 100, 1'000'000);
  if (f.per_round > f.clients) node.at("per_round").fail("more than the client population");
  f.over_selection = node.number_or("over_selection", 1.0);
  if (f.over_selection < 1.0) node.at("over_selection").fail("must be at least 1");
  if (const auto a = node.find("availability")) f.availability = share_at(*a);
  if (const auto d = node.find("dropout")) f.dropout = share_at(*d);
  f.rounds = count("rounds", 100, 100'000'000);
  const std::string algo = node.string_or("algorithm", "fedavg");
  if (algo != "fedavg" && algo != "fedprox") {
    node.at("algorithm").fail("unknown algorithm '" + algo + "'; use fedavg or fedprox");
  }
  f.fedprox = algo == "fedprox";
  f.deadline = node.duration_or("deadline", kTimeInfinity);
  if (f.fedprox && f.deadline == kTimeInfinity) node.fail("fedprox needs a round deadline");
  f.min_reports = count("min_reports", 1, 1'000'000);
  f.model_bytes = node.bytes("model_bytes");
  auto lognormal = [&](std::string_view key, bool bandwidth) {
    const ConfigNode n = node.at(key);
    n.expect_keys({"median", "sigma"});
    LogNormal l;
    l.median = bandwidth ? n.bandwidth("median") : to_seconds(n.duration("median"));
    if (!(l.median > 0)) n.at("median").fail("must be greater than zero");
    l.sigma = n.number_or("sigma", 0.0);
    if (l.sigma < 0) n.at("sigma").fail("may not be negative");
    return l;
  };
  f.compute_seconds = lognormal("compute", false);
  f.downlink = lognormal("downlink", true);
  f.uplink = lognormal("uplink", true);
  if (const auto link = node.find("server_link")) {
    // A catalog NIC by name, or a bandwidth: what the server moves each way.
    f.server_link = link_rate_at(*link, ctx.catalog()).bandwidth;
  }
  f.server_overhead = node.duration_or("server_overhead", 0);
  if (const auto cost = node.find("cost")) {
    cost->expect_keys({"server_per_hour", "egress_per_gb"});
    f.server_price_per_hour = cost->number_or("server_per_hour", 0);
    f.egress_price_per_gb = cost->number_or("egress_per_gb", 0);
    if (f.server_price_per_hour < 0 || f.egress_price_per_gb < 0) {
      cost->fail("prices may not be negative");
    }
  }
  if (const auto sa = node.find("secure_aggregation")) {
    sa->expect_keys({"per_pair"});
    f.secagg_per_pair = sa->duration("per_pair");
  }
  const std::optional<Link> out = ctx.optional_link(node, "to");
  return FederatedRounds(f, out, ctx.interval(), ctx.adaptive());
}

void FederatedRounds::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.count("rounds", rounds_done(), kText);
  r.count("failed_rounds", failed_rounds(), kHeadline);
  r.latency("round", round_time().mean(), round_histogram(), kMean | kP99, kMean | kP99, true);
  r.value("max_round_s", max_round(), Unit::kSeconds);
  r.value("mean_participants", participants().mean(), Unit::kNumber, kHeadline);
  r.count("training_runs", jobs_done(), kText);
  r.value("time_to_rounds_s", training_time().mean(), Unit::kSeconds, kHeadline);
  r.value("bytes_moved", bytes_moved(), Unit::kBytes, kHeadline);
  r.value("cost_per_run", cost_per_run(), Unit::kDollars, kHeadline);
  r.summary_count(rounds_done());
}

}  // namespace scalesim
