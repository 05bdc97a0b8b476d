// Station: a queue in front of c identical servers (the G/G/c building block). A customer who
// finds a free server starts at once; otherwise it waits in arrival order (FIFO), or by the
// priority of its class (non-preemptive or preemptive-resume), or all present share the servers
// (processor sharing). Optional limits:
// a capacity K (M/M/c/K: arrivals that find it full are rejected) and a patience or an end-to-end
// deadline (M/M/c+G: a waiting customer whose patience runs out leaves before service). Statistics
// cover customers arriving at or after the warm-up time, and time-weighted averages start there.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "models/queueing/batch_service.h"
#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "models/queueing/distribution.h"
#include "models/queueing/priority_lines.h"
#include "models/queueing/processor_sharing.h"
#include "models/queueing/rejection_counts.h"
#include "models/queueing/served_statistics.h"
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

// How a station chooses whom to serve.
enum class Discipline : std::uint8_t {
  kFifo,                // first come, first served
  kPriority,            // most urgent class first; service is never interrupted
  kPreemptivePriority,  // a more urgent arrival interrupts the least urgent in service, which
                        // resumes later where it stopped (preemptive-resume)
  kProcessorSharing,    // all present share the c servers equally (rate min(1, c/n) each)
};

// The name a config uses for it (`discipline:`).
inline const char* discipline_name(Discipline d) {
  switch (d) {
    case Discipline::kFifo:
      return "fifo";
    case Discipline::kPriority:
      return "priority";
    case Discipline::kPreemptivePriority:
      return "preemptive_priority";
    case Discipline::kProcessorSharing:
      return "processor_sharing";
  }
  return "fifo";
}

class Station : public ComponentSeries, public ServedStatistics {
 public:
  static constexpr std::string_view kType = "station";  // config `type:`
  // Builds one from its config node (station_config.cpp).
  static Station from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;
  static constexpr SimTime kNoPatienceLimit = std::numeric_limits<SimTime>::max() / 4;

  Station(std::uint32_t servers, Distribution service, std::optional<Link> out, SimTime warmup,
          SimTime interval = 0, bool adaptive = false)
      : ComponentSeries(interval, servers, adaptive),
        servers_(servers),
        service_(std::move(service)),
        out_(out),
        warmup_(warmup),
        busy_(warmup),
        queued_(warmup) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), static_cast<double>(in_service_),
                    static_cast<double>(waiting_count_));
    if (ev.kind == kCustomerArrives) {
      ++arrivals_;
      const Held arrived{ev.payload, ctx.now()};
      if (!plain_) [[unlikely]] {
        arrives_with_options(ctx, arrived);
      } else if (in_service_ < servers_) {
        start_service(ctx, arrived);
      } else {
        wait_in_line(ctx, arrived);
      }
      return;
    }
    // A plain FIFO station (no capacity, patience, deadline or other discipline) only ever
    // sees arrivals and its own service completions; everything else takes the slower path.
    if (!plain_) [[unlikely]] {
      other_event(ctx, ev);
      return;
    }
    fifo_service_done(ctx, static_cast<std::uint32_t>(ev.payload.id));
  }

  // Finite capacity (M/M/c/K): at most `capacity` customers waiting or in service (0: no limit);
  // an arrival that finds it full is rejected: sent to `on_reject`, or dropped when there is none.
  // REQUIRES: capacity == 0 or capacity >= servers.
  void limit_capacity(std::uint64_t capacity, std::optional<Link> on_reject) {
    capacity_ = capacity;
    on_reject_ = on_reject;
    update_plain();
  }
  std::uint64_t capacity() const { return capacity_; }
  const std::optional<Link>& on_reject() const { return on_reject_; }
  std::uint64_t rejected() const { return admission_.rejected(); }
  // Arrivals and rejections since the warm-up, per request class too.
  const RejectionCounts& admission() const { return admission_; }
  // Rejected / arrived, over arrivals since the warm-up (the blocking probability P_K).
  double blocking_probability() const { return admission_.probability(); }

  // Abandonment (M/M/c+G): a waiting customer leaves when its patience (a fresh draw per visit)
  // or its deadline (`deadline` after it was created, end to end) runs out before its service
  // starts; one that arrives past its deadline leaves at once. It is sent to `on_abandon`, or
  // dropped when there is none. No patience and deadline 0: nobody leaves.
  void limit_waiting(std::optional<Distribution> patience, SimTime deadline,
                     std::optional<Link> on_abandon) {
    patience_ = std::move(patience);
    deadline_ = deadline;
    on_abandon_ = on_abandon;
    update_plain();
  }
  bool abandons() const { return patience_.has_value() || deadline_ != 0; }
  const std::optional<Distribution>& patience() const { return patience_; }
  SimTime deadline() const { return deadline_; }
  const std::optional<Link>& on_abandon() const { return on_abandon_; }
  std::uint64_t abandoned() const { return abandoned_; }
  // Abandoned / arrived, over arrivals since the warm-up (P(abandon) of Erlang A).
  double abandonment_probability() const { return per_measured_arrival(measured_abandoned_); }
  // How long abandoning customers waited before they left, in seconds.
  const Welford& time_to_abandon() const { return time_to_abandon_; }

  // Serve by the priority of each request's class (`lines` maps sources to levels) instead of
  // in arrival order; preemptive: a more urgent arrival interrupts a less urgent service.
  void prioritise(PriorityLines lines, bool preemptive) {
    discipline_ = preemptive ? Discipline::kPreemptivePriority : Discipline::kPriority;
    class_stats_.assign(lines.levels(), ClassStats{});
    priority_ = std::move(lines);
    update_plain();
  }
  // All present share the servers (processor sharing).
  void share_servers() {
    discipline_ = Discipline::kProcessorSharing;
    sharing_.emplace(servers_);
    update_plain();
  }
  // Serve in batches (FIFO only): see batch_service.h.
  void serve_in_batches(BatchRule rule) {
    batch_.emplace(std::move(rule));
    update_plain();
  }
  const std::optional<BatchService>& batching() const { return batch_; }

  Discipline discipline() const { return discipline_; }
  const std::optional<PriorityLines>& priority_lines() const { return priority_; }
  // Per priority level (with a priority discipline): waits of served requests and sojourns, s.
  struct ClassStats {
    Welford wait;
    Welford sojourn;
  };
  const std::vector<ClassStats>& class_stats() const { return class_stats_; }
  std::uint64_t preemptions() const { return preemptions_; }

  std::uint32_t servers() const { return servers_; }
  const Distribution& service() const { return service_; }
  const std::optional<Link>& out() const { return out_; }
  std::uint64_t arrivals() const { return arrivals_; }
  std::uint64_t departures() const { return departures_; }
  // Busy servers / c, averaged over time since warm-up.
  double utilisation(SimTime now) const { return busy_.mean(now) / static_cast<double>(servers_); }
  double mean_queue_length(SimTime now) const { return queued_.mean(now); }
  // Customers waiting or in service, time-averaged since warm-up (L of Little's law).
  double mean_in_system(SimTime now) const { return queued_.mean(now) + busy_.mean(now); }
  std::size_t peak_queue_length() const { return static_cast<std::size_t>(queued_.peak()); }

  // Reported state, moved to the rank that writes results (the customers still waiting or in
  // service are not part of any report and stay where they are).
  void save(ByteWriter& w) const {
    w.put(arrivals_);
    w.put(departures_);
    admission_.save(w);
    w.put(abandoned_);
    w.put(measured_abandoned_);
    time_to_abandon_.save(w);
    w.put(preemptions_);
    if (batch_) {
      w.put(batch_->batches());
      w.put(batch_->batched());
    }
    for (const ClassStats& c : class_stats_) {
      c.wait.save(w);
      c.sojourn.save(w);
    }
    save_served(w);
    busy_.save(w);
    queued_.save(w);
    series_.save(w);
  }
  void load(ByteReader& r) {
    arrivals_ = r.get<std::uint64_t>();
    departures_ = r.get<std::uint64_t>();
    admission_.load(r);
    abandoned_ = r.get<std::uint64_t>();
    measured_abandoned_ = r.get<std::uint64_t>();
    time_to_abandon_.load(r);
    preemptions_ = r.get<std::uint64_t>();
    if (batch_) {
      const auto batches = r.get<std::uint64_t>();
      batch_->restore_counts(batches, r.get<std::uint64_t>());
    }
    for (ClassStats& c : class_stats_) {
      c.wait.load(r);
      c.sojourn.load(r);
    }
    load_served(r);
    busy_.load(r);
    queued_.load(r);
    series_.load(r);
  }

  void finish(SimTime end) {
    series_.finish(end, static_cast<double>(in_service_), static_cast<double>(waiting_count_));
  }

  void hash_into(ResultHash& h, SimTime now) const {
    h.add(arrivals_);
    h.add(departures_);
    h.add(wait().count());
    h.add(wait().mean());
    h.add(wait().variance());
    h.add(sojourn().mean());
    h.add(wait_histogram().counts());
    h.add(sojourn_histogram().counts());
    h.add(utilisation(now));
    h.add(mean_queue_length(now));
    if (capacity_ != 0) {  // only then: results without a capacity hash as they always did
      admission_.hash_into(h);
    }
    if (abandons()) {
      h.add(abandoned_);
      h.add(measured_abandoned_);
      h.add(time_to_abandon_.mean());
    }
    if (batch_) {
      h.add(batch_->batches());
      h.add(batch_->batched());
    }
    if (discipline_ != Discipline::kFifo) {  // only then: FIFO results hash as they always did
      h.add(static_cast<std::uint64_t>(discipline_));
      h.add(preemptions_);
      for (const ClassStats& c : class_stats_) {
        h.add(c.wait.count());
        h.add(c.wait.mean());
        h.add(c.sojourn.mean());
      }
    }
  }

 private:
  // A customer in this station, with the time it arrived here.
  struct Held {
    Customer customer;
    SimTime entered;
  };
  // `entered` of a waiting-line entry whose customer has abandoned (removed lazily at the front).
  static constexpr SimTime kDeparted = -1;

  void update_plain() {
    plain_ = capacity_ == 0 && !abandons() && discipline_ == Discipline::kFifo && !batch_;
  }

  // An arrival at a station with a capacity, patience, deadline or a discipline other than FIFO.
  template <class Ctx>
  void arrives_with_options(Ctx& ctx, const Held& arrived) {
    admission_.count_arrival(arrived.customer, arrived.entered >= warmup_);
    if (capacity_ != 0 && in_service_ + waiting_count_ >= capacity_) {
      reject(ctx, arrived.customer);
      return;
    }
    if (deadline_ != 0 && ctx.now() >= arrived.customer.created + deadline_) {
      abandon(ctx, arrived);  // it arrives already past its deadline
      return;
    }
    switch (discipline_) {
      case Discipline::kFifo:
        if (batch_) {
          wait_in_line(ctx, arrived);
          if (abandons()) schedule_patience(ctx, arrived);
          start_batches(ctx);
        } else if (in_service_ < servers_) {
          start_service(ctx, arrived);
        } else {
          wait_in_line(ctx, arrived);
          if (abandons()) schedule_patience(ctx, arrived);
        }
        return;
      case Discipline::kPriority:
      case Discipline::kPreemptivePriority:
        priority_arrives(ctx, arrived);
        return;
      case Discipline::kProcessorSharing:
        share_arrives(ctx, arrived);
        return;
    }
  }

  // Any event but an arrival, at a station that is not plain FIFO.
  template <class Ctx>
  void other_event(Ctx& ctx, const Event<Customer>& ev) {
    if (ev.kind == kPatienceEnds) {
      patience_ends(ctx, ev.payload.id);
    } else if (ev.kind == kBatchDelayEnds) {
      batch_->set_timer_pending(false);
      start_batches(ctx);
    } else if (batch_) {
      batch_done(ctx, static_cast<std::uint32_t>(ev.payload.id));
    } else if (discipline_ == Discipline::kProcessorSharing) {
      share_departs(ctx, ev.payload.id);
    } else if (priority_) {
      priority_service_done(ctx, ev.payload.id);
    } else {
      fifo_service_done(ctx, static_cast<std::uint32_t>(ev.payload.id));
    }
  }

  // The customer in `slot` has been served: the slot is freed and the customer leaves.
  template <class Ctx>
  [[gnu::always_inline]] Held depart_from(Ctx& ctx, std::uint32_t slot) {
    const Held done = in_service_slots_[slot];
    free_slots_.push_back(slot);
    --in_service_;
    busy_.set(ctx.now(), static_cast<double>(in_service_));
    leave(ctx, done);
    return done;
  }

  // A served customer leaves: counted, its sojourn recorded, sent on.
  template <class Ctx>
  [[gnu::always_inline]] void leave(Ctx& ctx, const Held& done) {
    Customer leaving = done.customer;
    leaving.served_by = ctx.self();
    series_.count();
    ++departures_;
    if (done.entered >= warmup_) {
      add_sojourn(ctx.now() - done.entered);
    }
    if (out_) ctx.schedule(out_->to, out_->latency, kCustomerArrives, leaving);
  }

  template <class Ctx>
  [[gnu::always_inline]] void fifo_service_done(Ctx& ctx, std::uint32_t slot) {
    depart_from(ctx, slot);
    if (waiting_count_ != 0) {
      drop_departed_at_front();
      const Held next = waiting_.pop_front();
      ++tickets_served_;
      --waiting_count_;
      queued_.set(ctx.now(), static_cast<double>(waiting_count_));
      start_service(ctx, next);
    }
  }

  // The id names the slot (low half) and its generation (high half): the completion of a
  // service that was preempted since is stale.
  template <class Ctx>
  void priority_service_done(Ctx& ctx, std::uint64_t id);

  // `count` as a fraction of the arrivals since the warm-up (0 before any).
  double per_measured_arrival(std::uint64_t count) const {
    return admission_.measured_arrivals() > 0
               ? static_cast<double>(count) / static_cast<double>(admission_.measured_arrivals())
               : 0.0;
  }

  // Joins the line; with abandonment, also schedules the end of its patience. A customer's
  // ticket is its position in the order of joining: the line holds tickets
  // [tickets_served_, tickets_served_ + waiting_.size()) contiguously, so a ticket finds its
  // entry without a search, and a ticket below tickets_served_ has already left the line.
  template <class Ctx>
  [[gnu::always_inline]] void wait_in_line(Ctx& ctx, const Held& h) {
    waiting_.push_back(h);
    ++waiting_count_;
    queued_.set(ctx.now(), static_cast<double>(waiting_count_));
  }

  // REQUIRES: `h` has just joined the line.
  template <class Ctx>
  void schedule_patience(Ctx& ctx, const Held& h) {
    SimTime patience = patience_ ? patience_->sample(ctx.rng()) : kNoPatienceLimit;
    if (deadline_ != 0) patience = std::min(patience, h.customer.created + deadline_ - ctx.now());
    Customer ticket;
    ticket.id = tickets_served_ + waiting_.size() - 1;
    ctx.schedule(ctx.self(), patience, kPatienceEnds, ticket);
  }

  template <class Ctx>
  void patience_ends(Ctx& ctx, std::uint64_t ticket) {
    if (ticket < tickets_served_) return;  // its service has started
    Held& entry = waiting_.at(ticket - tickets_served_);
    const Held gone = entry;
    entry.entered = kDeparted;
    --waiting_count_;
    queued_.set(ctx.now(), static_cast<double>(waiting_count_));
    drop_departed_at_front();
    abandon(ctx, gone);
  }

  void drop_departed_at_front() {
    while (!waiting_.empty() && waiting_.front().entered == kDeparted) {
      waiting_.pop_front();
      ++tickets_served_;
    }
  }

  template <class Ctx>
  void abandon(Ctx& ctx, const Held& h) {
    ++abandoned_;
    if (h.entered >= warmup_) {
      ++measured_abandoned_;
      time_to_abandon_.add(to_seconds(ctx.now() - h.entered));
    }
    if (on_abandon_)
      ctx.schedule(on_abandon_->to, on_abandon_->latency, kCustomerArrives, h.customer);
  }

  template <class Ctx>
  void reject(Ctx& ctx, const Customer& c) {
    admission_.count_rejection(c, ctx.now() >= warmup_);
    if (on_reject_) ctx.schedule(on_reject_->to, on_reject_->latency, kCustomerArrives, c);
  }

  // The server slot of a prioritised request: when its service ends, its class, and a generation
  // that preemption bumps so that the completion already scheduled no longer counts.
  struct SlotInfo {
    SimTime ends_at = 0;
    SimTime started = 0;
    std::uint32_t level = 0;
    std::uint32_t generation = 0;
  };

  template <class Ctx>
  void priority_arrives(Ctx& ctx, const Held& h);

  template <class Ctx>
  void preempt(Ctx& ctx, std::uint32_t slot);

  template <class Ctx>
  void start_prioritised(Ctx& ctx, const PriorityWaiting& w, std::uint32_t level);

  template <class Ctx>
  void share_arrives(Ctx& ctx, const Held& h);

  template <class Ctx>
  void share_departs(Ctx& ctx, std::uint64_t generation);

  // After an arrival or departure under processor sharing: busy servers are min(n, c), the rest
  // count as queued (so mean_in_system is n), and the next departure is rescheduled.
  template <class Ctx>
  void sharing_changed(Ctx& ctx);

  // Batch service (station_batching.h): start every batch the rule allows on the free servers.
  template <class Ctx>
  void start_batches(Ctx& ctx);
  // The batch in `slot` is served: all its requests leave together.
  template <class Ctx>
  void batch_done(Ctx& ctx, std::uint32_t slot);

  template <class Ctx>
  [[gnu::always_inline]] void start_service(Ctx& ctx, const Held& h) {
    record_wait(h, ctx.now());
    Customer token;
    token.id = take_slot(ctx, h);
    ctx.schedule(ctx.self(), service_.sample(ctx.rng()), kServiceDone, token);
  }

  // Waiting time of a customer whose service starts now, if it arrived after the warm-up.
  [[gnu::always_inline]] void record_wait(const Held& h, SimTime now) {
    if (h.entered < warmup_) return;
    add_wait(now - h.entered);
  }

  // Puts `h` on a free server; returns the slot it took.
  template <class Ctx>
  [[gnu::always_inline]] std::uint32_t take_slot(Ctx& ctx, const Held& h) {
    ++in_service_;
    busy_.set(ctx.now(), static_cast<double>(in_service_));
    // Slots are taken LIFO from the free list: which slot a customer gets never affects timing.
    std::uint32_t slot = 0;
    if (free_slots_.empty()) {
      slot = static_cast<std::uint32_t>(in_service_slots_.size());
      in_service_slots_.push_back(h);
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      in_service_slots_[slot] = h;
    }
    return slot;
  }

  std::uint32_t servers_;
  Distribution service_;
  std::optional<Link> out_;
  SimTime warmup_;
  std::uint32_t in_service_ = 0;
  RingBuffer<Held> waiting_;            // with abandonment, also entries that left (kDeparted)
  std::uint64_t waiting_count_ = 0;     // customers still waiting
  std::uint64_t tickets_served_ = 0;    // line entries that have left it from the front
  std::vector<Held> in_service_slots_;  // grows to the peak number of busy servers
  std::vector<std::uint32_t> free_slots_;
  static constexpr std::uint32_t kNoSlot = 0xffffffffu;
  Discipline discipline_ = Discipline::kFifo;
  bool plain_ = true;  // FIFO with no capacity, patience or deadline: the fast path
  std::optional<PriorityLines> priority_;
  std::vector<SlotInfo> slot_info_;      // with priorities: one per server slot
  std::vector<std::uint8_t> slot_busy_;  // with priorities: 1 while the slot serves someone
  std::vector<ClassStats> class_stats_;  // with priorities: one per level
  std::uint64_t preemptions_ = 0;
  std::optional<ProcessorSharing> sharing_;
  std::optional<BatchService> batch_;
  std::uint64_t sharing_generation_ = 0;  // the departure event that still counts
  std::uint64_t capacity_ = 0;            // 0: unlimited
  std::optional<Link> on_reject_;
  std::optional<Distribution> patience_;
  SimTime deadline_ = 0;  // 0: none
  std::optional<Link> on_abandon_;
  std::uint64_t abandoned_ = 0, measured_abandoned_ = 0;
  Welford time_to_abandon_;
  std::uint64_t arrivals_ = 0, departures_ = 0;
  RejectionCounts admission_;
  TimeWeighted busy_;
  TimeWeighted queued_;
};

}  // namespace scalesim

#include "models/queueing/station_batching.h"     // NOLINT(misc-header-include-cycle)
#include "models/queueing/station_disciplines.h"  // NOLINT(misc-header-include-cycle)
