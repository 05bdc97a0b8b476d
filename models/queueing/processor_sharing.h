// Processor sharing over c servers: with n requests present each is served at rate min(1, c/n)
// (c = 1 is egalitarian PS, the classic model of a CPU time-sliced between its jobs). Kept in
// virtual time: V advances at the per-request rate, a request that arrives at V0 needing S of
// service leaves when V reaches V0 + S, so the next to leave is always the smallest finish tag
// whatever happens to n in between, and each arrival or departure costs O(log n).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/queueing/customer.h"
#include "scalesim/sim_time.h"

namespace scalesim {

class ProcessorSharing {
 public:
  struct Sharing {
    Customer customer;
    SimTime entered = 0;
  };

  explicit ProcessorSharing(std::uint32_t servers) : servers_(servers) {}

  std::uint64_t size() const { return tags_.size(); }
  bool empty() const { return tags_.empty(); }

  // Moves virtual time to `now`. Call before every add() and pop_next().
  void advance(SimTime now) {
    if (!tags_.empty()) virtual_ns_ += static_cast<double>(now - last_) * rate();
    last_ = now;
  }

  // A request joins the shared servers needing `work` of service. REQUIRES: advance(now) first.
  void add(const Sharing& s, SimTime work) {
    tags_.push_back({virtual_ns_ + static_cast<double>(work), order_++, s});
    std::push_heap(tags_.begin(), tags_.end(), later);
  }

  // Real time until the next departure if nobody arrives meanwhile. REQUIRES: !empty().
  SimTime time_to_next_departure() const {
    const double dv = std::max(0.0, tags_.front().finish - virtual_ns_);
    return static_cast<SimTime>(std::ceil(dv / rate()));
  }

  // The request whose service is complete. REQUIRES: !empty(), advance(now) first.
  Sharing pop_next() {
    std::pop_heap(tags_.begin(), tags_.end(), later);
    const Sharing s = tags_.back().held;
    tags_.pop_back();
    // An empty system restarts virtual time, which keeps its doubles small (and exact ties).
    if (tags_.empty()) virtual_ns_ = 0;
    return s;
  }

 private:
  struct Tag {
    double finish;        // virtual time at which the request's service is complete
    std::uint64_t order;  // arrival order: equal finish tags leave first come first served
    Sharing held;
  };
  static bool later(const Tag& a, const Tag& b) {
    return a.finish != b.finish ? a.finish > b.finish : a.order > b.order;
  }
  double rate() const {
    return std::min(1.0, static_cast<double>(servers_) / static_cast<double>(tags_.size()));
  }

  std::uint32_t servers_;
  std::vector<Tag> tags_;  // min-heap on (finish, order)
  double virtual_ns_ = 0;
  SimTime last_ = 0;
  std::uint64_t order_ = 0;
};

}  // namespace scalesim
