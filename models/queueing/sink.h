// Sink: where customers leave the system; records end-to-end latency (creation to arrival).
#pragma once

#include <cstdint>

#include "customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/confidence.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class Sink {
 public:
  explicit Sink(SimTime warmup) : warmup_(warmup) {}

  template <class Ctx>
  void init(Ctx&) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    ++arrived_;
    if (ev.payload.created < warmup_) return;  // warm-up customers are not measured
    const SimTime latency = ctx.now() - ev.payload.created;
    latency_.add(to_seconds(latency));
    latency_batches_.add(to_seconds(latency));
    histogram_.add(static_cast<std::uint64_t>(latency));
    if (measured() == 1) first_ = ctx.now();
    last_ = ctx.now();
  }

  std::uint64_t arrived() const { return arrived_; }
  std::uint64_t measured() const { return latency_.count(); }
  const Welford& latency() const { return latency_; }
  const BatchMeans& latency_batches() const { return latency_batches_; }
  const LatencyHistogram& histogram() const { return histogram_; }
  // Measured customers per second between the first and last measured arrival.
  double throughput() const {
    return last_ > first_ ? static_cast<double>(measured() - 1) / to_seconds(last_ - first_) : 0.0;
  }

  // Reported state, moved to the rank that writes results.
  void save(ByteWriter& w) const {
    w.put(arrived_);
    latency_.save(w);
    latency_batches_.save(w);
    histogram_.save(w);
    w.put(first_);
    w.put(last_);
  }
  void load(ByteReader& r) {
    arrived_ = r.get<std::uint64_t>();
    latency_.load(r);
    latency_batches_.load(r);
    histogram_.load(r);
    first_ = r.get<SimTime>();
    last_ = r.get<SimTime>();
  }

  void hash_into(ResultHash& h) const {
    h.add(arrived_);
    h.add(latency_.count());
    h.add(latency_.mean());
    h.add(latency_.variance());
    h.add(histogram_.counts());
    h.add(first_);
    h.add(last_);
  }

 private:
  SimTime warmup_;
  std::uint64_t arrived_ = 0;
  Welford latency_;
  BatchMeans latency_batches_;
  LatencyHistogram histogram_;
  SimTime first_ = 0, last_ = 0;
};

}  // namespace scalesim
