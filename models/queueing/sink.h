// Sink: where customers leave the system. Records end-to-end latency (creation to arrival),
// overall and per request class (source), a time series of arrivals, and per-request records
// for the results file (optionally a deterministic sample of them).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/confidence.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

// One completed request, as /requests stores it.
struct RequestRecord {
  std::uint64_t id;          // its source (request class): Customer::source_of(id)
  SimTime arrival;           // emitted by its source
  SimTime completion;        // reached the sink
  std::uint32_t served_by;   // last station, or kNoLp
  std::uint16_t ttft, tpot;  // from the last LLM engine (Customer), half-precision seconds
};
static_assert(sizeof(RequestRecord) == 32);

// Takes a sink's request records a block at a time, so that a run's memory does not grow with
// the number of requests (the results file streams them). Called from the thread that runs the
// sink; an implementation shared by sinks on several threads synchronises itself.
class RecordStream {
 public:
  virtual ~RecordStream() = default;
  // `records`: the next `block` records of sink `lp`, in arrival order (the span is reused).
  virtual void block(std::uint32_t lp, std::span<const RequestRecord> records) = 0;

 protected:
  RecordStream() = default;
  RecordStream(const RecordStream&) = default;
  RecordStream& operator=(const RecordStream&) = default;
};

// Latency of one request class at a sink.
struct ClassLatency {
  std::uint32_t source = 0;
  Welford latency;
  LatencyHistogram histogram;
  SimTime first = 0, last = 0;

  double throughput() const {
    return last > first ? static_cast<double>(latency.count() - 1) / to_seconds(last - first) : 0.0;
  }
};

class Sink : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "sink";  // config `type:`
  // Builds one from its config node (sink_config.cpp).
  static Sink from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  // sample: fraction of requests whose records are kept (decided by a hash of the request id, so
  // the same ones at any rank and thread count); 0 keeps none.
  explicit Sink(SimTime warmup, SimTime interval = 0, bool adaptive = false, double sample = 1.0)
      : ComponentSeries(interval, 0, adaptive), warmup_(warmup), sample_(sample) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    ++arrived_;
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    const Customer& c = ev.payload;
    if (c.created < warmup_) return;  // warm-up customers are not measured
    if (one_class_) {
      // While every measured request came from one source, its class statistics are the
      // overall ones (the same additions in the same order): kept once, copied when asked. A
      // second source ends that, before its request is added anywhere.
      if (measured() == 0) {
        one_source_ = c.source();
      } else if (c.source() != one_source_) {
        sync_classes();
        one_class_ = false;
      }
    }
    const SimTime latency = ctx.now() - c.created;
    latency_.add(to_seconds(latency));
    latency_batches_.add(to_seconds(latency));
    histogram_.add(static_cast<std::uint64_t>(latency));
    if (measured() == 1) first_ = ctx.now();
    last_ = ctx.now();
    if (one_class_) return record(ctx, c);
    ClassLatency& cls = class_of(c.source());
    cls.latency.add(to_seconds(latency));
    cls.histogram.add(static_cast<std::uint64_t>(latency));
    if (cls.latency.count() == 1) cls.first = ctx.now();
    cls.last = ctx.now();
    record(ctx, c);
  }

  std::uint64_t arrived() const { return arrived_; }
  std::uint64_t measured() const { return latency_.count(); }
  const Welford& latency() const { return latency_; }
  const BatchMeans& latency_batches() const { return latency_batches_; }
  const LatencyHistogram& histogram() const { return histogram_; }
  const std::vector<ClassLatency>& classes() const {
    sync_classes();
    return classes_;
  }
  // The records not yet handed to the stream (all of them without one), in arrival order.
  const std::vector<RequestRecord>& records() const { return records_; }
  double sample_fraction() const { return sample_; }
  // Per-request records cost memory (32 bytes each); only runs that write them keep them.
  void record_requests(bool on) { record_requests_ = on; }
  // Hands the records to `to` every `block` records instead of keeping them all (null: keep).
  void stream_requests(RecordStream* to, std::size_t block) {
    stream_ = to;
    block_ = block;
    records_.clear();
    if (to != nullptr) records_.reserve(block);
  }
  // Measured customers per second between the first and last measured arrival.
  double throughput() const {
    return last_ > first_ ? static_cast<double>(measured() - 1) / to_seconds(last_ - first_) : 0.0;
  }

  // Reported state, moved between ranks. Request records stay with the rank that made them
  // (each rank writes its own slice of /requests).
  void save(ByteWriter& w) const {
    sync_classes();
    w.put(arrived_);
    latency_.save(w);
    latency_batches_.save(w);
    histogram_.save(w);
    w.put(first_);
    w.put(last_);
    series_.save(w);
    w.put(classes_.size());
    for (const auto& c : classes_) {
      w.put(c.source);
      c.latency.save(w);
      c.histogram.save(w);
      w.put(c.first);
      w.put(c.last);
    }
  }
  void load(ByteReader& r) {
    arrived_ = r.get<std::uint64_t>();
    latency_.load(r);
    latency_batches_.load(r);
    histogram_.load(r);
    first_ = r.get<SimTime>();
    last_ = r.get<SimTime>();
    series_.load(r);
    classes_.resize(r.get<std::size_t>());
    for (auto& c : classes_) {
      c.source = r.get<std::uint32_t>();
      c.latency.load(r);
      c.histogram.load(r);
      c.first = r.get<SimTime>();
      c.last = r.get<SimTime>();
    }
    one_class_ = false;  // the classes arrived whole
  }

  void hash_into(ResultHash& h) const {
    h.add(arrived_);
    h.add(latency_.count());
    h.add(latency_.mean());
    h.add(latency_.variance());
    h.add(histogram_.counts());
    h.add(first_);
    h.add(last_);
    for (const auto& c : classes()) {
      h.add(std::uint64_t{c.source});
      h.add(c.histogram.counts());
    }
  }

 private:
  template <class Ctx>
  void record(Ctx& ctx, const Customer& c) {
    if (record_requests_ && keep(c.id)) {
      records_.push_back(RequestRecord{c.id, c.created, ctx.now(), c.served_by, c.ttft, c.tpot});
      if (records_.size() == block_ && stream_ != nullptr) [[unlikely]] {
        stream_->block(ctx.self(), records_);
        records_.clear();  // keeps its capacity: no allocation per block
      }
    }
  }

  // While one source only: the class table is the overall statistics, copied.
  void sync_classes() const {
    if (!one_class_ || measured() == 0) return;
    classes_.assign(1, ClassLatency{one_source_, latency_, histogram_, first_, last_});
  }

  ClassLatency& class_of(std::uint32_t source) {
    for (auto& c : classes_) {
      if (c.source == source) return c;  // few classes: a scan is cheapest
    }
    classes_.push_back(ClassLatency{source, {}, {}, 0, 0});
    return classes_.back();
  }

  bool keep(std::uint64_t id) const {
    if (sample_ >= 1.0) return true;
    std::uint64_t z =
        id + 0x9e3779b97f4a7c15ULL;  // splitmix64 finaliser: a well-mixed hash of the id
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53 < sample_;
  }

  SimTime warmup_;
  std::uint64_t arrived_ = 0;
  Welford latency_;
  BatchMeans latency_batches_;
  LatencyHistogram histogram_;
  SimTime first_ = 0, last_ = 0;
  mutable std::vector<ClassLatency> classes_;  // filled from the overall ones by sync_classes()
  bool one_class_ = true;                      // every measured request so far from one_source_
  std::uint32_t one_source_ = 0;
  double sample_;
  bool record_requests_ = false;
  std::vector<RequestRecord> records_;
  RecordStream* stream_ = nullptr;  // not owned; outlives the run
  std::size_t block_ = 0;
};

}  // namespace scalesim
