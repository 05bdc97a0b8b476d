// A FIFO of trivially copyable values in one contiguous, power-of-two sized array. Grows by
// doubling and never shrinks, so a queue that has reached its peak length allocates no more.
#pragma once

#include <cstddef>
#include <vector>

namespace scalesim {

template <class T>
class RingBuffer {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push_back(const T& v) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = v;
    ++size_;
  }

  // Puts `v` ahead of everything queued (a request sent back to the head of the line).
  void push_front(const T& v) {
    if (size_ == slots_.size()) grow();
    head_ = (head_ + slots_.size() - 1) & (slots_.size() - 1);
    slots_[head_] = v;
    ++size_;
  }

  // REQUIRES: !empty().
  const T& front() const { return slots_[head_]; }

  // The i-th value from the front. REQUIRES: i < size().
  T& at(std::size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }

  // REQUIRES: !empty().
  T pop_front() {
    const T v = slots_[head_];
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return v;
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : 2 * slots_.size());
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace scalesim
