// Waiting lines of a priority station: one FIFO line per priority level (0 is served first).
// A request's level comes from its class, the source that emitted it. A request pushed out of
// service by a more urgent one (preemptive-resume) goes back to the head of its line with the
// service it still needs.
#pragma once

#include <cstdint>
#include <vector>

#include "models/queueing/customer.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/sim_time.h"

namespace scalesim {

struct PriorityWaiting {
  Customer customer;
  SimTime entered = 0;     // arrival at the station
  SimTime remaining = -1;  // service still needed by a preempted request; -1: not started yet
};

class PriorityLines {
 public:
  // level_of_source[lp]: the level of requests emitted by source `lp`; sources beyond it, or
  // marked kUnlisted, get the least urgent level, `levels - 1`.
  static constexpr std::uint8_t kUnlisted = 0xff;
  PriorityLines(std::vector<std::uint8_t> level_of_source, std::uint32_t levels)
      : level_of_source_(std::move(level_of_source)), lines_(levels) {}

  std::uint32_t levels() const { return static_cast<std::uint32_t>(lines_.size()); }
  std::uint32_t level_of(const Customer& c) const {
    const std::uint8_t l =
        c.source() < level_of_source_.size() ? level_of_source_[c.source()] : kUnlisted;
    return l == kUnlisted ? levels() - 1 : l;
  }
  const std::vector<std::uint8_t>& level_of_source() const { return level_of_source_; }

  bool empty() const { return waiting_ == 0; }
  std::uint64_t size() const { return waiting_; }

  void push_back(std::uint32_t level, const PriorityWaiting& w) {
    lines_[level].push_back(w);
    ++waiting_;
  }
  void push_front(std::uint32_t level, const PriorityWaiting& w) {
    lines_[level].push_front(w);
    ++waiting_;
  }
  // The most urgent waiting request, first come first served within its level.
  // REQUIRES: !empty().
  PriorityWaiting pop_most_urgent() {
    std::uint32_t level = 0;
    while (lines_[level].empty()) ++level;
    --waiting_;
    return lines_[level].pop_front();
  }

 private:
  std::vector<std::uint8_t> level_of_source_;
  std::vector<RingBuffer<PriorityWaiting>> lines_;
  std::uint64_t waiting_ = 0;
};

}  // namespace scalesim
