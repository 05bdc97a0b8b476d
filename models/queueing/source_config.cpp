#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/source.h"

namespace scalesim {

namespace {

ArrivalProcess parse_arrivals(const ConfigNode& node) {
  node.expect_keys({"process", "rate", "cv", "burst_rate", "calm_to_burst", "burst_to_calm",
                    "amplitude", "peak"});
  const std::string process = node.string("process");
  const double rate = node.rate("rate");
  if (!(rate > 0)) node.at("rate").fail("the arrival rate must be greater than zero");
  // A mean gap beyond ~290 years would not fit simulated time (int64 nanoseconds).
  if (!(1.0 / rate < 9e9)) node.at("rate").fail("the arrival rate is below one per 285 years");
  const SimTime mean = from_seconds(1.0 / rate);
  if (mean <= 0) node.at("rate").fail("the arrival rate is above 1/ns");
  if (process == "poisson") return ArrivalProcess::renewal(Distribution::exponential(mean));
  if (process == "deterministic") return ArrivalProcess::renewal(Distribution::deterministic(mean));
  if (process == "lognormal") {
    const double cv = node.number("cv");
    if (!(cv > 0)) node.at("cv").fail("cv must be greater than zero");
    return ArrivalProcess::renewal(Distribution::lognormal(mean, cv));
  }
  if (process == "mmpp") {
    // `rate` is the calm rate; bursts arrive at `burst_rate`; the switching rates set how often
    // and for how long (mean burst = 1 / burst_to_calm).
    const double burst = node.rate("burst_rate");
    const double up = node.rate("calm_to_burst");
    const double down = node.rate("burst_to_calm");
    if (!(burst > 0) || !(up > 0) || !(down > 0)) {
      node.fail("mmpp needs burst_rate, calm_to_burst and burst_to_calm greater than zero");
    }
    return ArrivalProcess::mmpp(rate, burst, up, down);
  }
  if (process == "diurnal") {
    const double amplitude = node.number_or("amplitude", 0.5);
    if (!(amplitude >= 0 && amplitude <= 1)) node.at("amplitude").fail("must lie in [0, 1]");
    return ArrivalProcess::diurnal(rate, amplitude,
                                   node.duration_or("peak", SimTime{14} * 3600 * kSecond));
  }
  std::string msg = "unknown arrival process '" + process + "'";
  if (auto near =
          closest_match(process, {"poisson", "deterministic", "lognormal", "mmpp", "diurnal"})) {
    msg += "; did you mean '" + *near + "'?";
  } else {
    msg += "; use poisson, deterministic, lognormal, mmpp or diurnal";
  }
  node.at("process").fail(msg);
}

}  // namespace

Source Source::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "arrivals", "customers", "to"});
  const std::int64_t limit = node.integer_or("customers", -1);
  if (node.has("customers") && limit <= 0) node.at("customers").fail("must be at least 1");
  return Source(parse_arrivals(node.at("arrivals")), ctx.link(node.at("to")),
                limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit), ctx.interval(),
                ctx.adaptive());
}

void Source::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.text("interarrival", interarrival().describe(), kText);
  r.count("emitted", emitted(), kText);
  r.summary_count(emitted());
}

}  // namespace scalesim
