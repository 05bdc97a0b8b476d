// TrainingJob: a data-parallel training (or fine-tuning) run on a GPU cluster, one epoch per
// event (a run to a quality target ends with a partial epoch). Each arriving customer is a request
// to train; runs queue FIFO for the cluster. An epoch takes steps x the step time of the calibrated
// training model (forward, backward of the trainable layers, optimizer, exposed all-reduce, data
// loading from storage when slower). When a run ends, the customer moves on (to a deploy step, a
// sink).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kEpochDone = 7;

struct TrainingJobSetup {
  std::string description;
  std::uint32_t epochs = 1;     // epoch events per run (the last may be partial)
  SimTime epoch_time = 0;       // one epoch on the whole cluster
  SimTime last_epoch_time = 0;  // the last epoch's part (= epoch_time when whole)
  double epochs_to_target = 0;  // fractional epochs (quality target), or `epochs`
  std::string quality_target;   // what the run trains to ("" for a fixed epoch count)
  double step_seconds = 0;      // one step, for reports
  double samples_per_second = 0;
  double gpus = 1;
  double price_per_hour = 0;  // the whole cluster
  std::string bound;          // "compute", "all-reduce" or "data loading"
};

class TrainingJob : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "training_job";  // config `type:`
  // Builds one from its config node (training_job_config.cpp).
  static TrainingJob from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  TrainingJob(TrainingJobSetup setup, std::optional<Link> out, SimTime interval = 0,
              bool adaptive = false)
      : ComponentSeries(interval, 1, adaptive), setup_(std::move(setup)), out_(out) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), running_ ? 1.0 : 0.0, static_cast<double>(waiting_.size()));
    if (ev.kind == kEpochDone) {
      if (++epoch_ < setup_.epochs) {
        ctx.schedule(ctx.self(),
                     epoch_ + 1 == setup_.epochs ? setup_.last_epoch_time : setup_.epoch_time,
                     kEpochDone);
        return;
      }
      running_ = false;
      ++completed_;
      series_.count();
      run_time_.add(to_seconds(ctx.now() - current_started_));
      busy_seconds_ += to_seconds(ctx.now() - current_started_);
      if (out_) ctx.schedule(out_->to, out_->latency, kCustomerArrives, current_);
    } else {
      waiting_.push_back(ev.payload);
    }
    if (!running_ && !waiting_.empty()) {
      current_ = waiting_.pop_front();
      current_started_ = ctx.now();
      running_ = true;
      epoch_ = 0;
      ctx.schedule(ctx.self(), setup_.epochs == 1 ? setup_.last_epoch_time : setup_.epoch_time,
                   kEpochDone);
    }
  }

  const TrainingJobSetup& setup() const { return setup_; }
  const std::optional<Link>& out() const { return out_; }
  std::uint64_t completed() const { return completed_; }
  const Welford& run_time() const { return run_time_; }
  double gpu_hours() const { return busy_seconds_ / 3600.0 * setup_.gpus; }
  double cost() const { return busy_seconds_ / 3600.0 * setup_.price_per_hour; }

  void save(ByteWriter& w) const {
    w.put(completed_);
    w.put(busy_seconds_);
    run_time_.save(w);
    series_.save(w);
  }
  void load(ByteReader& r) {
    completed_ = r.get<std::uint64_t>();
    busy_seconds_ = r.get<double>();
    run_time_.load(r);
    series_.load(r);
  }
  void finish(SimTime end) {
    series_.finish(end, running_ ? 1.0 : 0.0, static_cast<double>(waiting_.size()));
  }
  void hash_into(ResultHash& h) const {
    h.add(completed_);
    h.add(busy_seconds_);
    h.add(run_time_.mean());
  }

 private:
  TrainingJobSetup setup_;
  std::optional<Link> out_;
  RingBuffer<Customer> waiting_;
  Customer current_;
  SimTime current_started_ = 0;
  bool running_ = false;
  std::uint32_t epoch_ = 0;
  std::uint64_t completed_ = 0;
  double busy_seconds_ = 0;
  Welford run_time_;
};

}  // namespace scalesim
