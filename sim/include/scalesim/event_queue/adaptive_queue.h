// Pending-event set: a 4-ary heap while few events are pending, a calendar queue when many are.
//
// Why both: a queueing network usually holds tens of pending events (one next arrival per
// source, transfers in flight, one completion per busy server), where the heap's few levels
// beat the calendar queue's scan over empty buckets (hold model, bench/RESULTS.md: 28 vs 38 ns
// at 16 events); PHOLD and large networks hold thousands, where the calendar queue's O(1) wins
// (43 vs 66 ns at 1,000). The crossover measured on the hold model is between 128 and 256, so
// the queue moves to the calendar above 512 events and back below 128: the gap keeps a
// population that hovers near one bound from moving back and forth, and each move, O(n), is
// paid for by the hundreds of operations before the next one.
//
// Both keep the one EventKey order, so the choice never changes a result.
//
// Thread safety: none; each thread owns its pending-event set.
#pragma once

#include <cstddef>

#include "scalesim/event.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/event_queue/dary_heap.h"

namespace scalesim {

class AdaptiveQueue {
 public:
  static constexpr const char* name() { return "adaptive"; }
  static constexpr std::size_t kToCalendar = 512;  // more pending than this: calendar queue
  static constexpr std::size_t kToHeap = 128;      // fewer than this: heap again

  bool empty() const { return size() == 0; }
  std::size_t size() const { return on_calendar_ ? calendar_.size() : heap_.size(); }
  void reserve(std::size_t) {}
  bool on_calendar() const { return on_calendar_; }

  void push(const QueuedKey& e) {
    if (!on_calendar_) [[likely]] {
      heap_.push(e);
      if (heap_.size() > kToCalendar) [[unlikely]]
        move_to_calendar();
      return;
    }
    calendar_.push(e);
  }

  // REQUIRES: !empty(). Not const: the calendar queue moves its cursor to find the minimum.
  const QueuedKey& top() { return on_calendar_ ? calendar_.top() : heap_.top(); }

  // Removes and returns the minimum. REQUIRES: !empty().
  QueuedKey pop() {
    if (!on_calendar_) [[likely]]
      return heap_.pop();
    const QueuedKey min = calendar_.pop();
    if (calendar_.size() < kToHeap) [[unlikely]]
      move_to_heap();
    return min;
  }

 private:
  void move_to_calendar() {
    while (!heap_.empty()) calendar_.push(heap_.pop());
    on_calendar_ = true;
  }
  void move_to_heap() {
    while (!calendar_.empty()) heap_.push(calendar_.pop());
    on_calendar_ = false;
  }

  DaryHeap<4> heap_;
  CalendarQueue calendar_;
  bool on_calendar_ = false;
};

}  // namespace scalesim
