// Pending-event set: an implicit d-ary min-heap over QueuedKey.
//
// Workload assumption: the classic hold pattern (pop the minimum, push a few events a little
// later). A 4-ary heap halves the depth of a binary heap and keeps each node's children within
// two cache lines (4 x 24 bytes); sift operations move a hole instead of swapping.
//
// Thread safety: none; each thread owns its pending-event set.
#pragma once

#include <cstddef>
#include <vector>

#include "scalesim/event.h"

namespace scalesim {

template <unsigned Arity = 4>
class DaryHeap {
  static_assert(Arity >= 2, "a heap needs at least two children per node");

 public:
  static constexpr const char* name() { return Arity == 4 ? "heap" : "heap-d"; }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  void reserve(std::size_t n) { heap_.reserve(n); }

  // REQUIRES: !empty().
  const QueuedKey& top() const { return heap_.front(); }

  void push(const QueuedKey& e) {
    std::size_t hole = heap_.size();
    heap_.push_back(e);
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / Arity;
      if (!key_less(e, heap_[parent])) break;
      heap_[hole] = heap_[parent];
      hole = parent;
    }
    heap_[hole] = e;
  }

  // Removes and returns the minimum. REQUIRES: !empty().
  QueuedKey pop() {
    const QueuedKey min = heap_.front();
    const QueuedKey last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return min;
    std::size_t hole = 0;
    for (;;) {
      const std::size_t first = hole * Arity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + Arity < n ? first + Arity : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (key_less(heap_[c], heap_[best])) best = c;
      }
      if (!key_less(heap_[best], last)) break;
      heap_[hole] = heap_[best];
      hole = best;
    }
    heap_[hole] = last;
    return min;
  }

 private:
  std::vector<QueuedKey> heap_;
};

}  // namespace scalesim
