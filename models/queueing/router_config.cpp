#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/router.h"

namespace scalesim {

Router Router::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "routes", "policy", "out", "rate_limit", "on_reject"});
  const std::string policy = node.string_or("policy", "random");
  Router::Policy rule = Router::Policy::kRandom;
  if (policy == "round_robin") {
    rule = Router::Policy::kRoundRobin;
  } else if (policy == "least_outstanding") {
    rule = Router::Policy::kLeastOutstanding;
  } else if (policy == "power_of_two") {
    rule = Router::Policy::kPowerOfTwo;
  } else if (policy == "by_class") {
    rule = Router::Policy::kByClass;
  } else if (policy != "random") {
    node.at("policy").fail("unknown policy '" + policy +
                           "'; use random, round_robin, least_outstanding, power_of_two or "
                           "by_class");
  }
  const bool by_load =
      rule == Router::Policy::kLeastOutstanding || rule == Router::Policy::kPowerOfTwo;
  if (by_load != node.has("out")) {
    node.fail(by_load ? "least_outstanding and power_of_two need `out:` (backends answer back "
                        "through the router, which forwards answers there)"
                      : "`out:` is only for the least_outstanding and power_of_two policies");
  }
  std::optional<Link> out;
  if (by_load) out = ctx.link(node.at("out"));
  const ConfigNode routes = node.at("routes");
  routes.expect_sequence();
  if (routes.size() == 0) routes.fail("a router needs at least one route");
  std::vector<Link> links;
  std::vector<double> probs;
  double total = 0;
  const bool by_class = rule == Router::Policy::kByClass;
  std::vector<std::uint32_t> route_of_class;
  std::uint32_t default_route = Router::kNoRoute;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const ConfigNode r = routes[i];
    r.expect_keys({"to", "probability", "latency", "classes"});
    Link link;
    link.to = ctx.resolve(r.at("to"), r.string("to"));
    link.latency = r.duration_or("latency", 0);
    if (by_class) {
      if (r.has("probability")) {
        r.at("probability")
            .fail("by_class routes by request class: give `classes:`, not a probability");
      }
      const auto route = static_cast<std::uint32_t>(i);
      if (!r.has("classes")) {
        if (default_route != Router::kNoRoute) {
          r.fail("only one by_class route may omit `classes:` (the route of every other class)");
        }
        default_route = route;
      } else {
        const ConfigNode classes = r.at("classes");
        classes.expect_sequence();
        if (classes.size() == 0) classes.fail("list at least one request class (a source name)");
        for (std::size_t k = 0; k < classes.size(); ++k) {
          const LpId lp = ctx.resolve(classes[k], classes[k].as_string());
          if (route_of_class.size() <= lp) route_of_class.resize(lp + 1, Router::kNoRoute);
          if (route_of_class[lp] != Router::kNoRoute) {
            classes[k].fail("class '" + classes[k].as_string() + "' already has a route");
          }
          route_of_class[lp] = route;
        }
      }
      links.push_back(link);
      probs.push_back(1.0);
      total += 1.0;
      continue;
    }
    if (r.has("classes")) r.at("classes").fail("`classes:` is only for `policy: by_class`");
    const double p = r.number("probability");
    if (!(p >= 0 && std::isfinite(p))) {
      r.at("probability").fail("must be a non-negative number (a share or a weight)");
    }
    links.push_back(link);
    probs.push_back(p);
    total += p;
  }
  if (!(total > 0 && std::isfinite(total))) {
    routes.fail(total > 0 ? "route probabilities are too large to add up"
                          : "route probabilities are all zero: no route can be taken");
  }
  // Weights such as 1, 1, 1 are shares of their total. Shares that already sum to 1 are kept
  // as written, so such configs give the same results bit for bit.
  if (std::fabs(total - 1.0) > 1e-9) {
    for (double& p : probs) p /= total;
  }
  if (by_load && links.size() < 2) node.at("routes").fail("balancing by load needs two routes");
  Router router(std::move(links), probs, ctx.interval(), ctx.adaptive(), rule, out);
  if (by_class) router.route_by_class(std::move(route_of_class), default_route);
  if (const auto limit = node.find("rate_limit")) {
    limit->expect_keys({"rate", "burst"});
    const double rate = limit->rate("rate");
    if (!(rate > 0)) limit->at("rate").fail("the admitted rate must be greater than zero");
    const double burst = limit->number_or("burst", 1.0);
    if (!(burst >= 1 && burst <= 1e12)) {
      limit->at("burst").fail("burst (the most tokens saved) lies in 1..10^12");
    }
    router.limit_rate(rate, burst, ctx.optional_link(node, "on_reject"), ctx.warmup());
  } else if (node.has("on_reject")) {
    node.at("on_reject").fail("on_reject needs a rate_limit: rejections happen only there");
  }
  return router;
}

void Router::report(ComponentReport& r, const ReportContext& ctx) const {
  r.table("sent", "to", "routes", {{"count", Unit::kCount, false, kText}});
  std::uint64_t routed = 0;
  for (std::size_t i = 0; i < routes().size(); ++i) {
    r.row(ctx.name_of(routes()[i].to), {static_cast<double>(sent()[i])});
    routed += sent()[i];
  }
  if (rate_limited()) {
    r.value("rate_limit_per_s", rate_limit_per_s(), Unit::kPerSecond, kText);
    r.value("burst", burst(), Unit::kNumber, kText);
    admission().report(r, ctx, on_reject());
  }
  r.summary_count(routed);
}

}  // namespace scalesim
