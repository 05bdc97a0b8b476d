// TraceSource: replays a request trace (models/workload/trace_reader.h) as arrivals, carrying each
// request's sizes in the customer (size, aux). One row is buffered at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "models/queueing/customer.h"
#include "models/queueing/request_emitter.h"
#include "models/workload/trace_reader.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

class TraceSource : public RequestEmitter {
 public:
  static constexpr std::string_view kType = "trace";  // config `type:`
  // Builds one from its config node (trace_source_config.cpp).
  static TraceSource from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  TraceSource(TraceReader reader, Link out, std::uint64_t limit, double rate_estimate,
              SimTime interval = 0, bool adaptive = false)
      : RequestEmitter(out, limit, interval, adaptive),
        reader_(std::move(reader)),
        rate_estimate_(rate_estimate) {}

  template <class Ctx>
  void init(Ctx& ctx) {
    if (limit() > 0) schedule_next(ctx);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& /*ev*/) {
    if (emit(ctx, pending_.size, pending_.aux)) schedule_next(ctx);
  }

  double rate_estimate() const { return rate_estimate_; }
  // Whether its rows carry both sizes (an LLM's prompt and answer tokens).
  bool sized() const { return sized_; }
  void set_sized(bool sized) { sized_ = sized; }
  const std::string& path() const { return reader_.path(); }

 private:
  template <class Ctx>
  void schedule_next(Ctx& ctx) {
    const std::optional<TraceRow> row = reader_.next();
    if (!row) return;
    pending_ = *row;
    ctx.schedule(ctx.self(), row->time - ctx.now(), kNextArrival);
  }

  TraceReader reader_;
  double rate_estimate_;
  TraceRow pending_;
  bool sized_ = false;
};

}  // namespace scalesim
