// NetworkLink (config type `link`): a connection with a fixed latency that can go down. During
// each scheduled outage the customers entering the link are held until it is back and then
// sent (`in_flight: hold`, the TCP-retransmission view), or lost (`in_flight: fail`) and
// counted. Customers already on the wire when an outage starts arrive as sent: the latency is
// far below any outage worth modelling.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

class NetworkLink : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "link";  // config `type:`
  // Builds one from its config node (network_link_config.cpp).
  static NetworkLink from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  struct Outage {
    SimTime at = 0;
    SimTime duration = 0;
  };

  // REQUIRES: outages sorted by `at` and not overlapping.
  NetworkLink(Link out, std::vector<Outage> outages, bool hold, SimTime warmup,
              SimTime interval = 0, bool adaptive = false)
      : ComponentSeries(interval, 0, adaptive),
        out_(out),
        outages_(std::move(outages)),
        hold_(hold),
        warmup_(warmup) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    const SimTime now = ctx.now();
    const bool measured = ev.payload.created >= warmup_;
    // The outage covering `now`, if any (outages are few: a linear scan).
    SimTime back = -1;
    for (const Outage& o : outages_) {
      if (o.at > now) break;
      if (now < o.at + o.duration) back = o.at + o.duration;
    }
    if (back < 0) {
      ++forwarded_;
      ctx.schedule(out_.to, out_.latency, kCustomerArrives, ev.payload);
      return;
    }
    if (!hold_) {
      ++dropped_;
      if (measured) ++dropped_measured_;
      return;
    }
    ++held_;
    if (measured) held_time_.add(to_seconds(back - now));
    ++forwarded_;
    ctx.schedule(out_.to, back - now + out_.latency, kCustomerArrives, ev.payload);
  }

  const Link& out() const { return out_; }
  const std::vector<Outage>& outages() const { return outages_; }
  bool holds() const { return hold_; }
  std::uint64_t forwarded() const { return forwarded_; }
  std::uint64_t held() const { return held_; }
  std::uint64_t dropped() const { return dropped_; }
  const Welford& held_time() const { return held_time_; }
  // Share of [warm-up, end) the link was up (the schedule is known in advance).
  double availability(SimTime end) const {
    const SimTime span = end - std::min(end, warmup_);
    if (span <= 0) return 1.0;
    SimTime down = 0;
    for (const Outage& o : outages_) {
      const SimTime lo = std::max(o.at, warmup_);
      const SimTime hi = std::min(o.at + o.duration, end);
      if (hi > lo) down += hi - lo;
    }
    return 1.0 - static_cast<double>(down) / static_cast<double>(span);
  }

  void save(ByteWriter& w) const {
    w.put(forwarded_);
    w.put(held_);
    w.put(dropped_);
    w.put(dropped_measured_);
    held_time_.save(w);
    series_.save(w);
  }
  void load(ByteReader& r) {
    forwarded_ = r.get<std::uint64_t>();
    held_ = r.get<std::uint64_t>();
    dropped_ = r.get<std::uint64_t>();
    dropped_measured_ = r.get<std::uint64_t>();
    held_time_.load(r);
    series_.load(r);
  }
  void hash_into(ResultHash& h) const {
    h.add(forwarded_);
    h.add(held_);
    h.add(dropped_);
    h.add(held_time_.mean());
  }

 private:
  Link out_;
  std::vector<Outage> outages_;
  bool hold_;
  SimTime warmup_;
  std::uint64_t forwarded_ = 0, held_ = 0, dropped_ = 0, dropped_measured_ = 0;
  Welford held_time_;
};

}  // namespace scalesim
