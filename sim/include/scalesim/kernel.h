// The sequential event kernel: one pending-event set, one loop, one handler call per event.
//
// A model is a plain type with
//   using Payload = ...;                                   // trivially copyable, small
//   std::uint32_t lp_count() const;
//   template <class Ctx> void init(Ctx& ctx);              // once per LP, in LP-id order
//   template <class Ctx> void handle(Ctx& ctx, const Event<Payload>& ev);
// Handlers reach the kernel only through the context: now(), self(), rng(), schedule().
// Dispatch is static (templates), so there is no virtual call on the event path.
//
// Thread safety: none; a kernel and its model belong to one thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "scalesim/event.h"
#include "scalesim/event_queue/adaptive_queue.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/event_queue/dary_heap.h"
#include "scalesim/event_queue/event_pool.h"
#include "scalesim/interrupt.h"
#include "scalesim/random.h"
#include "scalesim/sim_time.h"

namespace scalesim {

// When a run stops. Events at or after end_time are never processed (nor queued: they are
// counted as scheduled past the end). max_events bounds the number processed.
struct EndCondition {
  SimTime end_time = kTimeInfinity;
  std::uint64_t max_events = UINT64_MAX;
};

struct KernelCounters {
  std::uint64_t events_processed = 0;
  std::uint64_t events_scheduled = 0;  // queued for processing
  std::uint64_t events_past_end = 0;   // scheduled at or after end_time, dropped
  std::uint64_t peak_pending = 0;
  SimTime last_event_time = 0;
  bool stopped_by_event_limit = false;
  bool interrupted = false;  // stopped early by SIGINT/SIGTERM
};

// The message for an event scheduled into the past or to an LP that does not exist: the same
// check guards every kernel's schedule().
[[noreturn]] inline void throw_bad_schedule(LpId src, LpId dst, SimTime time, SimTime now) {
  throw std::logic_error("LP " + std::to_string(src) + " scheduled an event for LP " +
                         std::to_string(dst) + " at t=" + std::to_string(time) + " ns (now " +
                         std::to_string(now) +
                         " ns): events may not go to the past or to an unknown LP");
}

template <class Model, class Queue = AdaptiveQueue>
class SequentialKernel {
 public:
  using Payload = typename Model::Payload;
  using EventType = Event<Payload>;
  static_assert(kEventFitsBudget<Payload>, "events must be trivially copyable and <= 64 bytes");

  // The handle a model's handlers act through. Cheap to build: two words.
  class Context {
   public:
    SimTime now() const { return kernel_->now_; }
    LpId self() const { return self_; }
    LpRandom& rng() { return kernel_->rng_[self_]; }
    std::uint32_t lp_count() const { return static_cast<std::uint32_t>(kernel_->rng_.size()); }

    // Schedules an event for dst at now() + delay. REQUIRES: delay >= 0, dst < lp_count().
    void schedule(LpId dst, SimTime delay, EventKind kind, const Payload& payload = {}) {
      kernel_->schedule(self_, dst, kernel_->now_ + delay, kind, payload);
    }

   private:
    friend class SequentialKernel;
    Context(SequentialKernel* k, LpId self) : kernel_(k), self_(self) {}
    SequentialKernel* kernel_;
    LpId self_;
  };

  SequentialKernel(Model& model, std::uint64_t seed, EndCondition end = {})
      : model_(model), end_(end) {
    const std::uint32_t n = model.lp_count();
    rng_.reserve(n);
    for (LpId lp = 0; lp < n; ++lp) rng_.emplace_back(seed, lp);
    next_seq_.assign(n, 0);
    processed_.assign(n, 0);
  }

  // Calls every LP's init in LP-id order, at time 0.
  void init() {
    now_ = 0;
    for (LpId lp = 0; lp < rng_.size(); ++lp) {
      Context ctx(this, lp);
      model_.init(ctx);
    }
  }

  // Processes events in key order until the queue is empty or the end condition holds.
  const KernelCounters& run() {
    while (!queue_.empty()) {
      if (counters_.events_processed >= end_.max_events) {
        counters_.stopped_by_event_limit = true;
        break;
      }
      if ((counters_.events_processed & kStopCheckMask) == 0 && stop_requested()) [[unlikely]] {
        counters_.interrupted = true;
        break;
      }
      const QueuedKey q = queue_.pop();
      // The event is built straight from the pool slot: a copy of the body into a local first
      // made the compiler move it through the stack twice, stalling on store forwarding.
      const Body& body = pool_[q.slot];
      const EventType ev{q.key(), body.dst, body.kind, body.payload};
      pool_.release(q.slot);  // the handler may reuse the slot; ev is a copy
      now_ = q.time;
      Context ctx(this, ev.dst);
      model_.handle(ctx, ev);
      ++processed_[ev.dst];
      ++counters_.events_processed;
    }
    counters_.last_event_time = now_;
    return counters_;
  }

  const KernelCounters& counters() const { return counters_; }
  // Events processed by each LP, indexed by LP id.
  const std::vector<std::uint64_t>& processed_per_lp() const { return processed_; }
  std::size_t pending() const { return queue_.size(); }
  SimTime now() const { return now_; }

 private:
  static constexpr std::uint64_t kStopCheckMask = 4095;  // look at the stop flag every 4096 events

  struct Body {
    LpId dst;
    EventKind kind;
    Payload payload;
  };

  void schedule(LpId src, LpId dst, SimTime time, EventKind kind, const Payload& payload) {
    if (time < now_ || dst >= rng_.size()) [[unlikely]]
      throw_bad_schedule(src, dst, time, now_);
    const std::uint64_t seq = next_seq_[src]++;  // numbered even if dropped: keys stay stable
    if (time >= end_.end_time) {
      ++counters_.events_past_end;
      return;
    }
    const std::uint32_t slot = pool_.acquire(Body{dst, kind, payload});
    queue_.push(QueuedKey{time, src, slot, seq});
    ++counters_.events_scheduled;
    if (queue_.size() > counters_.peak_pending) counters_.peak_pending = queue_.size();
  }

  Model& model_;
  EndCondition end_;
  Queue queue_;
  EventPool<Body> pool_;
  std::vector<LpRandom> rng_;
  std::vector<std::uint64_t> next_seq_;
  std::vector<std::uint64_t> processed_;
  KernelCounters counters_;
  SimTime now_ = 0;
};

}  // namespace scalesim
