// Pipeline: an ML pipeline as a DAG of stages (validation, features, training, evaluation,
// deploy) run on shared resource pools. Each arriving customer is one pipeline run; a stage
// starts when every stage it depends on has finished and a unit of its pool is free (waiting
// FIFO across runs otherwise). Stage times come from a duration distribution or, for training
// stages, from the calibrated training model. A run ends when its last stage does; its critical
// path is the chain of stages that set that time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "models/queueing/distribution.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kStageDone = 10;
inline constexpr std::uint32_t kNoPool = 0xffffffffu;

struct PipelineStage {
  std::string name;
  std::vector<std::uint32_t> after;  // stages this one waits for
  std::vector<std::uint32_t> next;   // stages waiting for this one
  Distribution duration = Distribution::deterministic(0);
  std::uint32_t pool = kNoPool;
  double price_per_hour = 0;  // of the resource while the stage runs (training on GPUs)
};

struct PipelinePool {
  std::string name;
  std::uint32_t capacity = 1;
};

class Pipeline : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "pipeline";  // config `type:`
  // Builds one from its config node (pipeline_config.cpp).
  static Pipeline from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  // REQUIRES: stages in a topological order (the builder sorts and rejects cycles).
  Pipeline(std::vector<PipelineStage> stages, std::vector<PipelinePool> pools,
           std::optional<Link> out, SimTime warmup, SimTime interval = 0, bool adaptive = false);

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), static_cast<double>(running_stages_),
                    static_cast<double>(waiting_stages_));
    if (ev.kind != kStageDone) {
      start_run(ctx, ev.payload);
      return;
    }
    const auto slot = static_cast<std::uint32_t>(ev.payload.id);
    const std::uint32_t stage = ev.payload.aux;
    Run& run = runs_[slot];
    run.finish[stage] = ctx.now();
    --running_stages_;
    stage_time_[stage].add(to_seconds(ctx.now() - run.start[stage]));
    const PipelineStage& st = stages_[stage];
    cost_ += to_seconds(ctx.now() - run.start[stage]) / 3600.0 * st.price_per_hour;
    if (st.pool != kNoPool) release(ctx, st.pool);
    for (const std::uint32_t n : st.next) {
      if (--run.deps_left[n] == 0) ready(ctx, slot, n);
    }
    if (--run.stages_left == 0) finish_run(ctx, slot);
  }

  const std::vector<PipelineStage>& stages() const { return stages_; }
  const std::optional<Link>& out() const { return out_; }
  std::uint64_t runs() const { return completed_; }
  const Welford& run_time() const { return run_time_; }
  const LatencyHistogram& run_histogram() const { return run_histogram_; }
  const Welford& stage_time(std::size_t s) const { return stage_time_[s]; }
  // The critical path of the last completed run, as stage names joined by " -> ".
  std::string critical_path() const;
  double cost() const { return cost_; }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void finish(SimTime end) {
    series_.finish(end, static_cast<double>(running_stages_), static_cast<double>(waiting_stages_));
  }
  void hash_into(ResultHash& h) const;

 private:
  struct Run {
    Customer customer;
    SimTime started = 0;
    std::vector<SimTime> start, finish;
    std::vector<std::uint32_t> deps_left;
    std::uint32_t stages_left = 0;
  };
  struct Waiting {
    std::uint32_t slot, stage;
  };

  template <class Ctx>
  void start_run(Ctx& ctx, const Customer& c) {
    std::uint32_t slot = 0;
    if (free_.empty()) {
      slot = static_cast<std::uint32_t>(runs_.size());
      runs_.emplace_back();
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    Run& run = runs_[slot];
    run.customer = c;
    run.started = ctx.now();
    run.start.assign(stages_.size(), 0);
    run.finish.assign(stages_.size(), 0);
    run.deps_left.resize(stages_.size());
    for (std::size_t s = 0; s < stages_.size(); ++s) {
      run.deps_left[s] = static_cast<std::uint32_t>(stages_[s].after.size());
    }
    run.stages_left = static_cast<std::uint32_t>(stages_.size());
    for (std::uint32_t s = 0; s < stages_.size(); ++s) {
      if (stages_[s].after.empty()) ready(ctx, slot, s);
    }
  }

  template <class Ctx>
  void ready(Ctx& ctx, std::uint32_t slot, std::uint32_t stage) {
    const std::uint32_t pool = stages_[stage].pool;
    if (pool != kNoPool && in_use_[pool] >= pools_[pool].capacity) {
      queues_[pool].push_back(Waiting{slot, stage});
      ++waiting_stages_;
      return;
    }
    if (pool != kNoPool) ++in_use_[pool];
    begin(ctx, slot, stage);
  }

  template <class Ctx>
  void begin(Ctx& ctx, std::uint32_t slot, std::uint32_t stage) {
    runs_[slot].start[stage] = ctx.now();
    ++running_stages_;
    Customer token;
    token.id = slot;
    token.aux = stage;
    ctx.schedule(ctx.self(), std::max<SimTime>(1, stages_[stage].duration.sample(ctx.rng())),
                 kStageDone, token);
  }

  template <class Ctx>
  void release(Ctx& ctx, std::uint32_t pool) {
    if (queues_[pool].empty()) {
      --in_use_[pool];
      return;
    }
    const Waiting w = queues_[pool].pop_front();
    --waiting_stages_;
    begin(ctx, w.slot, w.stage);  // the unit passes straight to the next stage in line
  }

  template <class Ctx>
  void finish_run(Ctx& ctx, std::uint32_t slot) {
    Run& run = runs_[slot];
    ++completed_;
    series_.count();
    const SimTime t = ctx.now() - run.started;
    if (run.started >= warmup_) {
      run_time_.add(to_seconds(t));
      run_histogram_.add(static_cast<std::uint64_t>(t));
    }
    last_start_ = run.start;
    last_finish_ = run.finish;
    if (out_) ctx.schedule(out_->to, out_->latency, kCustomerArrives, run.customer);
    free_.push_back(slot);
  }

  std::vector<PipelineStage> stages_;
  std::vector<PipelinePool> pools_;
  std::optional<Link> out_;
  SimTime warmup_;
  std::vector<Run> runs_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> in_use_;
  std::vector<RingBuffer<Waiting>> queues_;
  std::uint32_t running_stages_ = 0, waiting_stages_ = 0;
  std::uint64_t completed_ = 0;
  double cost_ = 0;
  std::vector<SimTime> last_start_, last_finish_;
  Welford run_time_;
  LatencyHistogram run_histogram_;
  std::vector<Welford> stage_time_;
};

}  // namespace scalesim
