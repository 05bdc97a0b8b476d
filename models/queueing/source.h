// Source: emits customers by an arrival process (arrival_process.h): renewal (Poisson,
// deterministic, lognormal), bursty (MMPP) or diurnal. Stops after `limit` customers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/queueing/arrival_process.h"
#include "models/queueing/customer.h"
#include "models/queueing/distribution.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class BuildContext;
class ConfigNode;

class Source {
 public:
  static constexpr std::string_view kType = "source";  // config `type:`
  // Builds one from its config node (source_config.cpp).
  static Source from_config(const ConfigNode& node, BuildContext& ctx);

  Source(ArrivalProcess interarrival, Link out, std::uint64_t limit, SimTime interval = 0,
         bool adaptive = false)
      : interarrival_(std::move(interarrival)),
        out_(out),
        limit_(limit),
        series_(interval, 0, adaptive) {}

  template <class Ctx>
  void init(Ctx& ctx) {
    if (limit_ > 0) {
      ctx.schedule(ctx.self(), interarrival_.next_gap(ctx.rng(), ctx.now()), kNextArrival);
    }
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& /*ev*/) {
    const Customer c{
        (std::uint64_t{ctx.self()} << 40) | emitted_, ctx.now(), ctx.self(), kNoLp, 0, 0};
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    ctx.schedule(out_.to, out_.latency, kCustomerArrives, c);
    if (++emitted_ < limit_)
      ctx.schedule(ctx.self(), interarrival_.next_gap(ctx.rng(), ctx.now()), kNextArrival);
  }

  std::uint64_t emitted() const { return emitted_; }
  const ArrivalProcess& interarrival() const { return interarrival_; }
  const Link& out() const { return out_; }
  std::uint64_t limit() const { return limit_; }
  // Reported state, moved to the rank that writes results.
  void save(ByteWriter& w) const {
    w.put(emitted_);
    series_.save(w);
  }
  void load(ByteReader& r) {
    emitted_ = r.get<std::uint64_t>();
    series_.load(r);
  }
  void finish(SimTime end) { series_.finish(end, 0, 0); }
  const TimeSeriesRecorder& series() const { return series_; }
  void hash_into(ResultHash& h) const { h.add(emitted_); }

 private:
  ArrivalProcess interarrival_;
  Link out_;
  std::uint64_t limit_;
  std::uint64_t emitted_ = 0;
  TimeSeriesRecorder series_;
};

}  // namespace scalesim
