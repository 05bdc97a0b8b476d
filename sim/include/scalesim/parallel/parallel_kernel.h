// The parallel kernel: conservative YAWNS windows over MPI ranks x OpenMP threads.
//
// Each (rank, thread) owns one part of the LP partition with its own pending-event set. A
// window processes every event with time < T + L (L = lookahead: the minimum latency of any
// edge the partition cuts, so nothing sent in the window can land inside it elsewhere). Events
// for other threads go to per-thread outboxes, events for other ranks to per-rank outboxes;
// at the window's end they are exchanged (one MPI_Alltoall carrying message sizes and each
// rank's next-event time, one MPI_Alltoallv carrying the events, skipped when empty), merged
// into the owners' queues, and the next T is the global minimum: empty stretches of time are
// skipped, not stepped.
//
// Determinism: queues order events by EventKey (time, src LP, src sequence), which does not
// depend on placement, and every event due in a window is in its owner's queue before the
// window starts. So every LP sees exactly the event sequence of the sequential kernel, and
// draws from its own (seed, LP) stream: results are bit-identical for any ranks x threads.
//
// Thread safety: workers touch only their own queue, pool, outboxes and LPs (the model's state
// for an LP belongs to the worker owning it). Shared state (T, the received batch) is written
// by the master thread between barriers. MPI is called from the master thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/event_queue/adaptive_queue.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/event_queue/event_pool.h"
#include "scalesim/interrupt.h"
#include "scalesim/kernel.h"
#include "scalesim/parallel/parallel_stats.h"
#include "scalesim/parallel/partition.h"
#include "scalesim/parallel/transport.h"
#include "scalesim/random.h"

namespace scalesim {

// Threads per rank when --threads is not given: OMP_NUM_THREADS if set, else 1 (a run is never
// silently parallel).
inline int default_thread_count() {
  const char* env = std::getenv("OMP_NUM_THREADS");
  if (env == nullptr || *env == '\0') return 1;
  const int n = std::atoi(env);
  return n > 0 ? n : 1;
}

template <class Model, class Queue = AdaptiveQueue>
class ParallelKernel {
 public:
  using Payload = typename Model::Payload;
  using EventType = Event<Payload>;
  static_assert(kEventFitsBudget<Payload>, "events must be trivially copyable and <= 64 bytes");

 private:
  struct Body {
    LpId dst;
    EventKind kind;
    Payload payload;
  };
  struct alignas(64) Worker {
    std::uint32_t part = 0;
    Queue queue;
    EventPool<Body> pool;
    SimTime now = 0;
    std::vector<LpId> lps;
    std::vector<std::vector<EventType>> to_thread[2];  // [window parity][thread of this rank]
    std::vector<std::vector<EventType>> to_rank;       // [rank]
    std::vector<EventType> inbox;                      // received from other ranks this window
    SimTime sent_min = kTimeInfinity;
    KernelCounters counters;
    std::uint64_t window_events = 0;
    std::exception_ptr error;
  };

 public:
  class Context {
   public:
    SimTime now() const { return worker_->now; }
    LpId self() const { return self_; }
    LpRandom& rng() { return kernel_->rng_[self_]; }
    std::uint32_t lp_count() const { return static_cast<std::uint32_t>(kernel_->rng_.size()); }
    void schedule(LpId dst, SimTime delay, EventKind kind, const Payload& payload = {}) {
      kernel_->schedule(*worker_, self_, dst, worker_->now + delay, kind, payload);
    }

   private:
    friend class ParallelKernel;
    Context(ParallelKernel* k, Worker* w, LpId self) : kernel_(k), worker_(w), self_(self) {}
    ParallelKernel* kernel_;
    Worker* worker_;
    LpId self_;
  };

  // REQUIRES: partition.parts == transport.size() * threads; every rank passes the same
  // partition. End conditions: end_time only (an event-count limit has no placement-independent
  // meaning across ranks).
  ParallelKernel(Model& model, std::uint64_t seed, EndCondition end, const Partition& partition,
                 Transport& transport, int threads)
      : model_(model),
        end_(end),
        partition_(partition),
        transport_(transport),
        threads_(static_cast<std::uint32_t>(threads)) {
    if (threads < 1)
      throw std::invalid_argument("a parallel run needs at least one thread per rank");
    const std::uint32_t n = model.lp_count();
    if (partition.parts != static_cast<std::uint32_t>(transport.size()) * threads_) {
      throw std::invalid_argument("partition has " + std::to_string(partition.parts) +
                                  " parts for " + std::to_string(transport.size()) + " ranks x " +
                                  std::to_string(threads) + " threads");
    }
    if (end.max_events != UINT64_MAX) {
      throw std::invalid_argument(
          "an event-count end condition needs one rank and one thread; use an end time");
    }
#ifndef _OPENMP
    if (threads_ != 1) throw std::invalid_argument("built without OpenMP: --threads must be 1");
#endif
    rng_.reserve(n);
    for (LpId lp = 0; lp < n; ++lp) rng_.emplace_back(seed, lp);
    next_seq_.assign(n, 0);
    processed_.assign(n, 0);
    workers_.resize(threads_);
    const auto rank = static_cast<std::uint32_t>(transport.rank());
    for (std::uint32_t t = 0; t < threads_; ++t) {
      Worker& w = workers_[t];
      w.part = rank * threads_ + t;
      w.to_thread[0].resize(threads_);
      w.to_thread[1].resize(threads_);
      w.to_rank.resize(static_cast<std::size_t>(transport.size()));
    }
    const auto per_rank = static_cast<std::uint32_t>(threads);  // >= 1, checked above
    for (LpId lp = 0; lp < n; ++lp) {
      const std::uint32_t part = partition.part_of[lp];
      if (part / per_rank == rank) workers_[part % per_rank].lps.push_back(lp);
    }
    lookahead_ = partition.lookahead;
  }

  // Initialises every LP and runs windows until no event is left before the end time.
  void run() {
    const auto wall_start = std::chrono::steady_clock::now();
    std::atomic<bool> failed{false};
    [[maybe_unused]] const int thread_count = static_cast<int>(threads_);  // OpenMP builds only
#ifdef _OPENMP
#pragma omp parallel num_threads(thread_count)
#endif
    {
#ifdef _OPENMP
      Worker& w = workers_[static_cast<std::size_t>(omp_get_thread_num())];
      const bool master = omp_get_thread_num() == 0;
#else
      Worker& w = workers_[0];
      const bool master = true;
#endif
      guarded(w, failed, [&] {
        for (LpId lp : w.lps) {
          Context ctx(this, &w, lp);
          model_.init(ctx);
        }
      });
      // Two barriers per window. Outboxes to other threads are double-buffered by window
      // parity: a worker merges what the others wrote in the previous window while they may
      // already write the next one, and clears its own buffer only after everyone has read it
      // (a full window later).
      for (;;) {
        const auto wait_start = std::chrono::steady_clock::now();
        barrier();  // every worker has processed its window (or initialised)
        if (master) stats_.wait_s += seconds_since(wait_start);
        if (failed.load()) break;
        if (master) guarded(w, failed, [&] { exchange(); });
        barrier();  // received events and the next window are known
        if (failed.load()) break;
        if (next_time_ == kTimeInfinity || next_time_ >= end_.end_time || interrupted_) break;
        const auto compute_start = std::chrono::steady_clock::now();
        guarded(w, failed, [&] {
          merge(w);
          process(w, window_end_);
        });
        if (master) stats_.compute_s += seconds_since(compute_start);
      }
    }
    if (failed.load()) {
      for (auto& w : workers_) {
        if (!w.error) continue;
        if (transport_.size() == 1) std::rethrow_exception(w.error);
        try {
          std::rethrow_exception(w.error);
        } catch (const std::exception& e) {
          transport_.abort(4, e.what());
        }
      }
    }
    finish();
    wall_s_ = seconds_since(wall_start);
  }

  // Results, identical on every rank after run().
  const KernelCounters& counters() const {
    return counters_;
  }
  const std::vector<std::uint64_t>& processed_per_lp() const {
    return processed_;
  }
  // This rank's counters.
  const ParallelStats& rank_stats() const {
    return stats_;
  }
  bool owned_here(LpId lp) const {
    return partition_.part_of[lp] / threads_ == static_cast<std::uint32_t>(transport_.rank());
  }
  double wall_seconds() const {
    return wall_s_;
  }

 private:
  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  static void barrier() {
#ifdef _OPENMP
#pragma omp barrier
#endif
  }

  template <class F>
  void guarded(Worker& w, std::atomic<bool>& failed, F&& f) {
    try {
      f();
    } catch (...) {
      w.error = std::current_exception();
      failed.store(true);
    }
  }

  void process(Worker& w, SimTime window_end) {
    w.window_events = 0;
    while (!w.queue.empty() && w.queue.top().time < window_end) {
      const QueuedKey q = w.queue.pop();
      const Body body = w.pool[q.slot];
      w.pool.release(q.slot);
      w.now = q.time;
      const EventType ev{q.key(), body.dst, body.kind, body.payload};
      Context ctx(this, &w, body.dst);
      model_.handle(ctx, ev);
      ++processed_[body.dst];
      ++w.window_events;
    }
    w.counters.events_processed += w.window_events;
    if (w.window_events > 0) w.counters.last_event_time = w.now;
  }

  void push_local(Worker& w, const EventType& ev) {
    const std::uint32_t slot = w.pool.acquire(Body{ev.dst, ev.kind, ev.payload});
    w.queue.push(QueuedKey{ev.key.time, ev.key.src, slot, ev.key.seq});
    ++w.counters.events_scheduled;
  }

  void schedule(Worker& w, LpId src, LpId dst, SimTime time, EventKind kind,
                const Payload& payload) {
    if (time < w.now || dst >= rng_.size()) [[unlikely]]
      throw_bad_schedule(src, dst, time, w.now);
    const std::uint64_t seq = next_seq_[src]++;
    if (time >= end_.end_time) {
      ++w.counters.events_past_end;
      return;
    }
    const EventType ev{EventKey{time, src, seq}, dst, kind, payload};
    const std::uint32_t part = partition_.part_of[dst];
    if (part == w.part) {
      push_local(w, ev);
      return;
    }
    if (time < window_end_) [[unlikely]] {
      throw std::logic_error(
          "lookahead violation: LP " + std::to_string(src) + " sent an event to LP " +
          std::to_string(dst) + " (another partition) for t=" + std::to_string(time) +
          " ns, inside the current window ending at " + std::to_string(window_end_) +
          " ns; the link between them must have a latency of at least the lookahead (" +
          std::to_string(lookahead_) + " ns)");
    }
    if (time < w.sent_min) w.sent_min = time;
    const std::uint32_t rank = part / threads_;
    if (rank == static_cast<std::uint32_t>(transport_.rank())) {
      w.to_thread[window_index_ & 1][part % threads_].push_back(ev);
    } else {
      w.to_rank[rank].push_back(ev);
    }
  }

  // Master thread: ship other ranks' events, learn the global next-event time.
  void exchange() {
    const auto start = std::chrono::steady_clock::now();
    const auto ranks = static_cast<std::size_t>(transport_.size());
    SimTime local_min = kTimeInfinity;
    std::uint64_t window_events = 0;
    outbox_.resize(ranks);
    for (auto& box : outbox_) box.clear();
    for (auto& w : workers_) {
      if (!w.queue.empty()) local_min = std::min(local_min, w.queue.top().time);
      local_min = std::min(local_min, w.sent_min);
      window_events += w.window_events;
      for (std::size_t r = 0; r < ranks; ++r) {
        auto& events = w.to_rank[r];
        if (events.empty()) continue;
        stats_.remote_events += events.size();
        auto& box = outbox_[r];
        const std::size_t at = box.size();
        box.resize(at + events.size() * sizeof(EventType));
        std::memcpy(box.data() + at, events.data(), events.size() * sizeof(EventType));
        events.clear();
      }
      for (const auto& box : w.to_thread[window_index_ & 1])
        stats_.cross_thread_events += box.size();
    }
    if (stats_.windows > 0 && window_events == 0) ++stats_.idle_windows;
    bool stop = stop_requested();
    next_time_ = transport_.exchange(outbox_, inbox_bytes_, local_min, stop);
    if (stop) interrupted_ = true;
    ++window_index_;
    window_end_ = lookahead_ == kTimeInfinity || next_time_ > end_.end_time - lookahead_
                      ? end_.end_time
                      : next_time_ + lookahead_;
    if (next_time_ != kTimeInfinity && next_time_ < end_.end_time && !interrupted_)
      ++stats_.windows;
    // Hand received events to the worker owning each destination.
    const std::size_t count = inbox_bytes_.size() / sizeof(EventType);
    for (auto& w : workers_) w.inbox.clear();
    for (std::size_t i = 0; i < count; ++i) {
      EventType ev;
      std::memcpy(&ev, inbox_bytes_.data() + i * sizeof(EventType), sizeof(EventType));
      workers_[partition_.part_of[ev.dst] % threads_].inbox.push_back(ev);
    }
    stats_.exchange_s += seconds_since(start);
  }

  // Every worker, at the start of a window: insert what other threads sent it in the previous
  // window and what other ranks sent this rank for it; then empty its own outboxes for this
  // window (the others read them a window ago).
  void merge(Worker& w) {
    const std::uint32_t me = w.part % threads_;
    const std::size_t previous = (window_index_ - 1) & 1;
    for (auto& other : workers_) {
      for (const auto& ev : other.to_thread[previous][me]) push_local(w, ev);
    }
    for (const auto& ev : w.inbox) push_local(w, ev);
    for (auto& box : w.to_thread[window_index_ & 1]) box.clear();
    w.sent_min = kTimeInfinity;
  }

  void finish() {
    KernelCounters c;
    for (const auto& w : workers_) {
      c.events_processed += w.counters.events_processed;
      c.events_scheduled += w.counters.events_scheduled;
      c.events_past_end += w.counters.events_past_end;
      c.last_event_time = std::max(c.last_event_time, w.counters.last_event_time);
    }
    stats_.events = c.events_processed;
    stats_.bytes_sent = transport_.bytes_sent();
    std::vector<std::uint64_t> sums{c.events_processed, c.events_scheduled, c.events_past_end};
    transport_.allreduce_sum(sums);
    transport_.allreduce_sum(processed_);
    c.events_processed = sums[0];
    c.events_scheduled = sums[1];
    c.events_past_end = sums[2];
    c.last_event_time = -transport_.allreduce_min(-c.last_event_time);
    c.interrupted = interrupted_;
    counters_ = c;
  }

  Model& model_;
  EndCondition end_;
  const Partition& partition_;
  Transport& transport_;
  std::uint32_t threads_;
  SimTime lookahead_ = kTimeInfinity;
  std::vector<LpRandom> rng_;
  std::vector<std::uint64_t> next_seq_;
  std::vector<std::uint64_t> processed_;
  std::vector<Worker> workers_;
  // Written by the master thread between barriers, read by all.
  SimTime next_time_ = 0;
  SimTime window_end_ = 0;
  std::uint64_t window_index_ = 0;  // exchanges so far; its parity picks the thread outbox buffer
  bool interrupted_ = false;  // some rank received SIGINT/SIGTERM: stop at this window boundary
  std::vector<std::vector<std::byte>> outbox_;
  std::vector<std::byte> inbox_bytes_;
  ParallelStats stats_;
  KernelCounters counters_;
  double wall_s_ = 0.0;
};

}  // namespace scalesim
