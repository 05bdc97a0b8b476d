#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"
#include "hardware/network/object_store.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/source.h"

namespace scalesim {

namespace {

// Records read from an object store: `streams` connections each GET one object after another
// (first-byte latency, then the object at the connection's share of the bandwidth: the stream
// rate, or the client NIC split over the streams), each object holding `records_per_object`
// records (a shard), handed on evenly as they arrive.
ArrivalProcess object_store_reads(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"process", "store", "streams", "object_bytes", "records_per_object", "nic"});
  hardware::ObjectStoreSpec spec;
  try {
    spec = ctx.catalog().network().object_store(node.string("store"));
  } catch (const ConfigError& e) {
    node.at("store").fail(e.what());
  }
  std::optional<double> nic;
  if (const auto n = node.find("nic")) {
    try {
      nic = ctx.catalog().network().nic(n->as_string()).line_rate;
    } catch (const ConfigError& e) {
      n->fail(e.what());
    }
  }
  const std::int64_t streams = node.integer_or("streams", 1);
  if (streams < 1 || streams > 1'000'000) node.at("streams").fail("must be between 1 and 1000000");
  const double bytes = node.bytes("object_bytes");
  if (!(bytes > 0)) node.at("object_bytes").fail("must be greater than zero");
  const std::int64_t records = node.integer_or("records_per_object", 1);
  if (records < 1) node.at("records_per_object").fail("must be at least 1");
  const hardware::ObjectStore store(spec, nic);
  const auto n = static_cast<std::uint32_t>(streams);
  // Every stream holds an equal share of what the streams move together.
  const double per_stream = store.bandwidth(n) / static_cast<double>(n);
  const double per_get = to_seconds(spec.first_byte_latency) + bytes / per_stream;
  const double rate = static_cast<double>(streams) * static_cast<double>(records) / per_get;
  const SimTime gap = from_seconds(1.0 / rate);
  if (gap <= 0) node.fail("the object store delivers more than one record per nanosecond");
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "%s, %lld streams x %.4g MB objects of %lld records, %.4g ms per GET: %.6g "
                "records/s",
                spec.name.c_str(), static_cast<long long>(streams), bytes / 1e6,
                static_cast<long long>(records), per_get * 1e3, rate);
  return ArrivalProcess::renewal(Distribution::deterministic(gap)).with_origin(buf);
}

ArrivalProcess parse_arrivals(const ConfigNode& node, BuildContext& ctx) {
  if (node.string_or("process", "") == "object_store") return object_store_reads(node, ctx);
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
  if (auto near = closest_match(
          process, {"poisson", "deterministic", "lognormal", "mmpp", "diurnal", "object_store"})) {
    msg += "; did you mean '" + *near + "'?";
  } else {
    msg += "; use poisson, deterministic, lognormal, mmpp, diurnal or object_store";
  }
  node.at("process").fail(msg);
}

}  // namespace

Source Source::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "arrivals", "customers", "to"});
  const std::int64_t limit = node.integer_or("customers", -1);
  if (node.has("customers") && limit <= 0) node.at("customers").fail("must be at least 1");
  return Source(parse_arrivals(node.at("arrivals"), ctx), ctx.link(node.at("to")),
                limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit), ctx.interval(),
                ctx.adaptive());
}

void Source::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.text("interarrival", interarrival().describe(), kText);
  r.count("emitted", emitted(), kText);
  r.summary_count(emitted());
}

}  // namespace scalesim
