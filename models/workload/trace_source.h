// TraceSource: replays a request trace (models/workload/trace_reader.h) as arrivals, carrying each
// request's sizes in the customer (size, aux). One row is buffered at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "models/queueing/customer.h"
#include "models/workload/trace_reader.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class BuildContext;
class ConfigNode;

class TraceSource {
 public:
  static constexpr std::string_view kType = "trace";  // config `type:`
  // Builds one from its config node (trace_source_config.cpp).
  static TraceSource from_config(const ConfigNode& node, BuildContext& ctx);

  TraceSource(TraceReader reader, Link out, std::uint64_t limit, double rate_estimate,
              SimTime interval = 0, bool adaptive = false)
      : reader_(std::move(reader)),
        out_(out),
        limit_(limit),
        rate_estimate_(rate_estimate),
        series_(interval, 0, adaptive) {}

  template <class Ctx>
  void init(Ctx& ctx) {
    if (limit_ > 0) schedule_next(ctx);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& /*ev*/) {
    const Customer c{(std::uint64_t{ctx.self()} << 40) | emitted_,
                     ctx.now(),
                     ctx.self(),
                     kNoLp,
                     pending_.size,
                     pending_.aux};
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    ctx.schedule(out_.to, out_.latency, kCustomerArrives, c);
    if (++emitted_ < limit_) schedule_next(ctx);
  }

  std::uint64_t emitted() const { return emitted_; }
  const Link& out() const { return out_; }
  double rate_estimate() const { return rate_estimate_; }
  const std::string& path() const { return reader_.path(); }
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
  template <class Ctx>
  void schedule_next(Ctx& ctx) {
    const std::optional<TraceRow> row = reader_.next();
    if (!row) return;
    pending_ = *row;
    ctx.schedule(ctx.self(), row->time - ctx.now(), kNextArrival);
  }

  TraceReader reader_;
  Link out_;
  std::uint64_t limit_;
  double rate_estimate_;
  TraceRow pending_;
  std::uint64_t emitted_ = 0;
  TimeSeriesRecorder series_;
};

}  // namespace scalesim
