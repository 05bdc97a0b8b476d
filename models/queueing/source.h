// Source: emits customers by an arrival process (arrival_process.h): renewal (Poisson,
// deterministic, lognormal), bursty (MMPP) or diurnal. Stops after `limit` customers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/queueing/arrival_process.h"
#include "models/queueing/customer.h"
#include "models/queueing/distribution.h"
#include "models/queueing/request_emitter.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

class Source : public RequestEmitter {
 public:
  static constexpr std::string_view kType = "source";  // config `type:`
  // Builds one from its config node (source_config.cpp).
  static Source from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  Source(ArrivalProcess interarrival, Link out, std::uint64_t limit, SimTime interval = 0,
         bool adaptive = false)
      : RequestEmitter(out, limit, interval, adaptive), interarrival_(std::move(interarrival)) {}

  template <class Ctx>
  void init(Ctx& ctx) {
    if (limit() > 0) {
      ctx.schedule(ctx.self(), interarrival_.next_gap(ctx.rng(), ctx.now()), kNextArrival);
    }
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& /*ev*/) {
    if (emit(ctx, 0, 0))
      ctx.schedule(ctx.self(), interarrival_.next_gap(ctx.rng(), ctx.now()), kNextArrival);
  }

  const ArrivalProcess& interarrival() const { return interarrival_; }

 private:
  ArrivalProcess interarrival_;
};

}  // namespace scalesim
