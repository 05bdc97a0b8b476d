// ModelServer: an inference server (Triton-like) on GPU or CPU replicas. Requests queue in one
// FIFO; whenever a model instance is free, the dynamic-batching rule decides which batch leaves
// (models/serving/dynamic_batcher.h). Batch times come from the calibrated hardware models,
// tabulated once per (busy instances on the replica, batch size), so an event costs a table
// lookup. Several instances on one GPU overlap their fixed costs but share the device
// (GpuPerformance::concurrent); the time of a batch is set when it starts, from the instances
// busy on its replica at that moment.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "models/queueing/distribution.h"
#include "models/queueing/rejection_counts.h"
#include "models/queueing/served_statistics.h"
#include "models/serving/dynamic_batcher.h"
#include "models/serving/memory_needs.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/stats/confidence.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/time_weighted.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kBatchTimer = 3;        // a held batch's max_queue_delay expired
inline constexpr EventKind kReplicaFails = 13;     // a replica crashes (token id: the replica)
inline constexpr EventKind kReplicaRepaired = 14;  // it is back in service

// The time of a batch whose requests carry their own sizes (trace replay): encoders pad the
// batch to its longest input; decoder LLMs prefill the prompts, then decode until the longest
// generation ends (static batching), each step reading the KV cache of every sequence.
class BatchCost {
 public:
  virtual ~BatchCost() = default;
  // max_size / max_aux: the largest size and second size in the batch (0 = the default input,
  // no generation); busy: instances running on the replica, this batch included.
  virtual SimTime time(int batch, std::uint32_t max_size, std::uint32_t max_aux,
                       std::uint32_t busy) const = 0;
};

// Replica crashes (config key `failures`): each replica runs for a time drawn from
// `time_to_failure` (mean: the MTBF), is down for `time_to_repair` (the MTTR), and so on. The
// batches running on a crashed replica are lost: their requests go back to the head of the
// queue (`in_flight: retry`, at most `max_retries` times each, then they fail) or fail at once
// (`in_flight: fail`). Failed requests leave the system and are counted.
struct ReplicaFailures {
  bool enabled = false;
  Distribution time_to_failure = Distribution::deterministic(1);
  Distribution time_to_repair = Distribution::deterministic(1);
  bool retry = true;
  std::uint32_t max_retries = 3;
};

struct ModelServerSetup {
  std::string description;  // "bert-base fp16 on 2 x A100-SXM4-40GB (tensorrt), 2 instances"
  std::uint32_t replicas = 1;
  std::uint32_t instances = 1;  // per replica
  hardware::DynamicBatching batching;
  // batch_time[(busy - 1) * max_batch + (b - 1)]: a batch of b when `busy` instances of its
  // replica (itself included) are running.
  std::vector<SimTime> batch_time;
  double price_per_hour = 0;              // all replicas
  std::shared_ptr<const BatchCost> cost;  // for requests with sizes; immutable, shared
  ReplicaFailures failures;
  MemoryNeeds memory;  // per replica
};

class ModelServer : public ComponentSeries, public ServedStatistics {
 public:
  static constexpr std::string_view kType = "model_server";  // config `type:`
  // Builds one from its config node (model_server_config.cpp).
  static ModelServer from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  ModelServer(ModelServerSetup setup, std::optional<Link> out, SimTime warmup, SimTime interval = 0,
              bool adaptive = false);

  template <class Ctx>
  void init(Ctx& ctx) {
    if (!setup_.failures.enabled) return;
    for (std::uint32_t r = 0; r < setup_.replicas; ++r) {
      Customer token;
      token.id = r;
      ctx.schedule(ctx.self(),
                   std::max<SimTime>(1, setup_.failures.time_to_failure.sample(ctx.rng())),
                   kReplicaFails, token);
    }
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), static_cast<double>(busy_slots_),
                    static_cast<double>(waiting_.size()));
    if (ev.kind == kCustomerArrives) {
      ++arrivals_;
      if (max_queue_size_ != 0) [[unlikely]] {
        const bool measured = ctx.now() >= warmup_;
        admission_.count_arrival(ev.payload, measured);
        if (waiting_.size() >= max_queue_size_) {  // Triton's max_queue_size: reject
          admission_.count_rejection(ev.payload, measured);
          if (on_reject_)
            ctx.schedule(on_reject_->to, on_reject_->latency, kCustomerArrives, ev.payload);
          return;
        }
      }
      waiting_.push_back(Held{ev.payload, ctx.now(), 0});
      queued_.set(ctx.now(), static_cast<double>(waiting_.size()));
    } else if (ev.kind == kServiceDone) {
      // A batch lost with its replica still has its completion event queued: skip it.
      const auto s = static_cast<std::uint32_t>(ev.payload.id);
      if (slots_[s].busy && slots_[s].generation == ev.payload.aux) finish_batch(ctx, s);
    } else if (ev.kind == kBatchTimer && ctx.now() >= timer_at_) {
      timer_at_ = kTimeInfinity;
    } else if (ev.kind == kReplicaFails) {
      fail_replica(ctx, static_cast<std::uint32_t>(ev.payload.id));
    } else if (ev.kind == kReplicaRepaired) {
      const auto r = static_cast<std::uint32_t>(ev.payload.id);
      replica_up_[r] = 1;
      up_slots_ += setup_.instances;
      up_replicas_.add(ctx.now(), 1.0);
      if (up_slots_ == setup_.instances) all_down_.set(ctx.now(), 0.0);
      ctx.schedule(ctx.self(),
                   std::max<SimTime>(1, setup_.failures.time_to_failure.sample(ctx.rng())),
                   kReplicaFails, ev.payload);
    }
    dispatch(ctx);
  }

  const ModelServerSetup& setup() const { return setup_; }
  std::uint32_t servers() const { return setup_.replicas * setup_.instances; }
  const std::optional<Link>& out() const { return out_; }
  // Load shedding (Triton's max_queue_size): a request that finds `max_queue_size` requests
  // queued (not counting those in batches being served) is rejected, sent to `on_reject` or
  // dropped. 0: no limit.
  void limit_queue(std::uint64_t max_queue_size, std::optional<Link> on_reject) {
    max_queue_size_ = max_queue_size;
    on_reject_ = on_reject;
  }
  std::uint64_t max_queue_size() const { return max_queue_size_; }
  const std::optional<Link>& on_reject() const { return on_reject_; }
  std::uint64_t rejected() const { return admission_.rejected(); }
  const RejectionCounts& admission() const { return admission_; }
  std::uint64_t arrivals() const { return arrivals_; }
  std::uint64_t departures() const { return departures_; }
  std::uint64_t batches() const { return batches_; }
  const Welford& batch_size() const { return batch_size_; }
  // Busy instances / all instances, averaged over time since warm-up.
  double utilisation(SimTime now) const { return busy_.mean(now) / static_cast<double>(servers()); }
  double mean_queue_length(SimTime now) const { return queued_.mean(now); }
  // Replicas with work on them, averaged over time since warm-up: what a cloud bill for the
  // compute actually used (as opposed to provisioned) is proportional to.
  double mean_busy_replicas(SimTime now) const { return busy_replicas_.mean(now); }
  // Replica failures (all zero without them).
  std::uint64_t crashes() const { return crashes_; }
  std::uint64_t failed_requests() const { return failed_requests_; }
  std::uint64_t retried_requests() const { return retried_requests_; }
  // Replicas in service / all replicas, averaged over time since warm-up.
  double availability(SimTime now) const {
    return up_replicas_.mean(now) / static_cast<double>(setup_.replicas);
  }
  // Share of the time since warm-up with no replica in service.
  double outage_share(SimTime now) const { return all_down_.mean(now); }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void finish(SimTime end) {
    series_.finish(end, static_cast<double>(busy_slots_), static_cast<double>(waiting_.size()));
  }
  void hash_into(ResultHash& h, SimTime now) const;

 private:
  // A request in this server, with the time it arrived here.
  struct Held {
    Customer customer;
    SimTime entered;
    std::uint32_t retries;
  };
  struct Slot {
    std::uint32_t replica = 0;
    std::uint32_t generation = 0;  // bumped when its batch is lost, to skip the stale completion
    bool busy = false;
    std::vector<Held> batch;  // capacity max_batch_size, reserved once
  };

  template <class Ctx>
  void dispatch(Ctx& ctx) {
    while (!waiting_.empty() && busy_slots_ < up_slots_) {
      const auto d = setup_.batching.decide(static_cast<std::int64_t>(waiting_.size()),
                                            waiting_.front().entered, ctx.now());
      if (d.batch == 0) {
        if (d.hold_until < timer_at_) {
          timer_at_ = d.hold_until;
          ctx.schedule(ctx.self(), d.hold_until - ctx.now(), kBatchTimer);
        }
        return;
      }
      start_batch(ctx, d.batch);
    }
  }

  template <class Ctx>
  void start_batch(Ctx& ctx, int size) {
    const std::uint32_t s = pick_slot();
    Slot& slot = slots_[s];
    slot.busy = true;
    ++busy_slots_;
    const std::uint32_t busy_here = ++busy_on_replica_[slot.replica];
    busy_.set(ctx.now(), static_cast<double>(busy_slots_));
    if (busy_here == 1) busy_replicas_.add(ctx.now(), 1.0);
    slot.batch.clear();
    std::uint32_t max_size = 0, max_aux = 0;
    for (int i = 0; i < size; ++i) {
      const Held c = waiting_.pop_front();
      max_size = std::max(max_size, c.customer.size);
      max_aux = std::max(max_aux, c.customer.aux);
      if (c.entered >= warmup_) {
        add_wait(ctx.now() - c.entered);
      }
      slot.batch.push_back(c);
    }
    queued_.set(ctx.now(), static_cast<double>(waiting_.size()));
    ++batches_;
    batch_size_.add(size);
    const auto max_batch = static_cast<std::size_t>(setup_.batching.max_batch_size);
    // Sizeless requests (synthetic workloads) use the table; sized ones are timed per batch.
    const SimTime t =
        (max_size == 0 && max_aux == 0) || !setup_.cost
            ? setup_.batch_time[(busy_here - 1) * max_batch + static_cast<std::size_t>(size - 1)]
            : setup_.cost->time(size, max_size, max_aux, busy_here);
    Customer token;
    token.id = s;
    token.aux = slot.generation;
    ctx.schedule(ctx.self(), t, kServiceDone, token);
  }

  // Replica `r` crashes: its running batches are lost (their requests retried or failed), and it
  // is repaired after a time_to_repair draw.
  template <class Ctx>
  void fail_replica(Ctx& ctx, std::uint32_t r) {
    ++crashes_;
    replica_up_[r] = 0;
    up_slots_ -= setup_.instances;
    up_replicas_.add(ctx.now(), -1.0);
    if (up_slots_ == 0) all_down_.set(ctx.now(), 1.0);
    // Lost batches, last slot first, so that pushing each request to the head of the queue
    // leaves them in their original order ahead of the waiting ones.
    for (std::uint32_t k = setup_.instances; k-- > 0;) {
      Slot& slot = slots_[static_cast<std::size_t>(r) * setup_.instances + k];
      if (!slot.busy) continue;
      slot.busy = false;
      ++slot.generation;
      --busy_slots_;
      if (--busy_on_replica_[r] == 0) busy_replicas_.add(ctx.now(), -1.0);
      for (auto it = slot.batch.rbegin(); it != slot.batch.rend(); ++it) {
        if (setup_.failures.retry && it->retries < setup_.failures.max_retries) {
          ++retried_requests_;
          waiting_.push_front(Held{it->customer, it->entered, it->retries + 1});
        } else {
          ++failed_requests_;
        }
      }
      slot.batch.clear();
    }
    busy_.set(ctx.now(), static_cast<double>(busy_slots_));
    queued_.set(ctx.now(), static_cast<double>(waiting_.size()));
    Customer token;
    token.id = r;
    ctx.schedule(ctx.self(), std::max<SimTime>(1, setup_.failures.time_to_repair.sample(ctx.rng())),
                 kReplicaRepaired, token);
  }

  template <class Ctx>
  void finish_batch(Ctx& ctx, std::uint32_t s) {
    Slot& slot = slots_[s];
    slot.busy = false;
    --busy_slots_;
    if (--busy_on_replica_[slot.replica] == 0) busy_replicas_.add(ctx.now(), -1.0);
    busy_.set(ctx.now(), static_cast<double>(busy_slots_));
    for (const Held& h : slot.batch) {
      Customer c = h.customer;
      c.served_by = ctx.self();
      ++departures_;
      series_.count();
      if (h.entered >= warmup_) {
        add_sojourn(ctx.now() - h.entered);
      }
      if (out_) ctx.schedule(out_->to, out_->latency, kCustomerArrives, c);
    }
    slot.batch.clear();
  }

  // The least-loaded replica's first free instance (ties: lowest index), so load spreads over
  // GPUs before instances share one.
  std::uint32_t pick_slot() const;

  ModelServerSetup setup_;
  std::optional<Link> out_;
  std::uint64_t max_queue_size_ = 0;
  std::optional<Link> on_reject_;
  RejectionCounts admission_;
  SimTime warmup_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> busy_on_replica_;
  std::vector<std::uint8_t> replica_up_;
  std::uint32_t busy_slots_ = 0;
  std::uint32_t up_slots_ = 0;  // instances on replicas in service
  std::uint64_t crashes_ = 0, failed_requests_ = 0, retried_requests_ = 0;
  TimeWeighted up_replicas_;
  TimeWeighted all_down_;
  SimTime timer_at_ = kTimeInfinity;
  RingBuffer<Held> waiting_;
  std::uint64_t arrivals_ = 0, departures_ = 0, batches_ = 0;
  Welford batch_size_;
  TimeWeighted busy_;
  TimeWeighted busy_replicas_;
  TimeWeighted queued_;
};

}  // namespace scalesim
