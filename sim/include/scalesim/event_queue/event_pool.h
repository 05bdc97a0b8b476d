// Storage for event bodies (destination, kind, payload) while their keys wait in the
// pending-event set. A vector plus a LIFO free list: no allocation per event once the pool has
// grown to the peak number of pending events, and the slot freed by the last pop is the next one
// reused, so a hold (pop one, push one) touches a cache line that is already hot.
//
// Thread safety: none; each thread owns its pool.
#pragma once

#include <cstdint>
#include <vector>

namespace scalesim {

template <class Body>
class EventPool {
 public:
  std::uint32_t acquire(const Body& body) {
    if (free_.empty()) {
      slots_.push_back(body);
      return static_cast<std::uint32_t>(slots_.size() - 1);
    }
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    slots_[slot] = body;
    return slot;
  }

  // REQUIRES: slot came from acquire() and was not released since.
  void release(std::uint32_t slot) { free_.push_back(slot); }

  const Body& operator[](std::uint32_t slot) const { return slots_[slot]; }

  std::size_t capacity() const { return slots_.size(); }
  std::size_t in_use() const { return slots_.size() - free_.size(); }
  void reserve(std::size_t n) {
    slots_.reserve(n);
    free_.reserve(n);
  }

 private:
  std::vector<Body> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace scalesim
