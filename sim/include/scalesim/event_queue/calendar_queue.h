// Pending-event set: a calendar queue (R. Brown, "Calendar queues: a fast O(1) priority queue
// implementation for the simulation event set problem", CACM 31(10), 1988).
//
// Buckets of fixed width in time form a "year"; an event goes to bucket (time / width) mod
// buckets. Each bucket is a small binary min-heap rather than Brown's sorted list: buckets
// normally hold one to three events, where the two cost the same, but models with many events
// at exactly the same time (PHOLD with lookahead = mean, batch arrivals) put hundreds in one
// bucket, where a sorted insert is linear and a heap stays logarithmic. pop() scans forward from
// the bucket that held the last minimum. The number of buckets doubles/halves with the population
// (Brown's 2x and 1/2 thresholds) and the width is re-estimated from the spacing of the earliest
// events at each resize; a steady-state population never resizes, so the queue also re-estimates
// when the observed scan or insertion work per operation drifts above a few steps.
//
// Thread safety: none; each thread owns its pending-event set.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "scalesim/event.h"

namespace scalesim {

class CalendarQueue {
 public:
  static constexpr const char* name() { return "calendar"; }

  CalendarQueue() { rebuild(kMinBuckets, kInitialWidth); }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void reserve(std::size_t) {}

  void push(const QueuedKey& e) {
    insert(e);
    ++size_;
    ++pushes_;
    if (e.time < cursor_start_) seek(e.time);
    if (size_ > 2 * buckets_.size()) resize(buckets_.size() * 2);
  }

  // REQUIRES: !empty(). Moves the cursor to the minimum's bucket (hence not const).
  const QueuedKey& top() {
    locate();
    return buckets_[cursor_].front();
  }

  // Removes and returns the minimum. REQUIRES: !empty().
  QueuedKey pop() {
    locate();
    auto& bucket = buckets_[cursor_];
    const QueuedKey min = bucket.front();
    std::pop_heap(bucket.begin(), bucket.end(), Later{});
    bucket.pop_back();
    --size_;
    if (++pops_ >= 2 * buckets_.size()) check_tuning();
    if (size_ < buckets_.size() / 2 && buckets_.size() > kMinBuckets) resize(buckets_.size() / 2);
    return min;
  }

  SimTime bucket_width() const { return width_; }
  std::size_t bucket_count() const { return buckets_.size(); }

 private:
  static constexpr std::size_t kMinBuckets = 16;
  static constexpr SimTime kInitialWidth = 1 << 20;  // ~1 ms; replaced at the first resize
  static constexpr std::size_t kSample = 25;         // Brown's sample of the earliest events
  static constexpr std::uint64_t kMaxStepsPerOp = 4;

  // Widths are powers of two, so finding a bucket is a shift, not a 40-cycle division.
  std::size_t bucket_of(SimTime t) const {
    return static_cast<std::size_t>(t >> width_shift_) & (buckets_.size() - 1);
  }

  void seek(SimTime t) {
    cursor_ = bucket_of(t);
    cursor_start_ = (t >> width_shift_) << width_shift_;
  }

  // A function object, not a function pointer, so the heap operations inline the comparison.
  struct Later {
    bool operator()(const QueuedKey& a, const QueuedKey& b) const { return key_less(b, a); }
  };

  void insert(const QueuedKey& e) {
    auto& b = buckets_[bucket_of(e.time)];
    b.push_back(e);
    std::push_heap(b.begin(), b.end(), Later{});     // min-heap: the bucket's minimum at the front
    if (b.size() > kMaxStepsPerOp) ++insert_steps_;  // crowded bucket: the width may be too large
  }

  // Advances the cursor to the bucket holding the minimum.
  void locate() {
    const std::size_t n = buckets_.size();
    for (std::size_t scanned = 0; scanned < n; ++scanned) {
      const auto& b = buckets_[cursor_];
      if (!b.empty() && b.front().time < cursor_start_ + width_) return;
      cursor_ = (cursor_ + 1) & (n - 1);
      cursor_start_ += width_;
      ++scan_steps_;
    }
    // A whole year without an event due: jump straight to the global minimum.
    SimTime earliest = kTimeInfinity;
    for (const auto& b : buckets_) {
      if (!b.empty() && b.front().time < earliest) earliest = b.front().time;
    }
    seek(earliest);
  }

  void check_tuning() {
    // Re-estimate when pops scan many empty buckets, or most inserts land in crowded ones.
    const bool slow = scan_steps_ > kMaxStepsPerOp * pops_ || 2 * insert_steps_ > pushes_;
    pops_ = pushes_ = scan_steps_ = insert_steps_ = 0;
    if (slow && size_ >= 2) resize(buckets_.size());
  }

  void resize(std::size_t new_buckets) {
    std::vector<QueuedKey> all;
    all.reserve(size_);
    for (auto& b : buckets_) all.insert(all.end(), b.begin(), b.end());
    rebuild(new_buckets, estimate_width(all));
    for (const auto& e : all) insert(e);
    if (!all.empty()) {
      const auto min = std::min_element(all.begin(), all.end(), key_less);
      seek(min->time);
    }
    pops_ = pushes_ = scan_steps_ = insert_steps_ = 0;
  }

  // Brown's estimate: three times the mean separation of the earliest events, ignoring
  // separations more than twice the first mean.
  SimTime estimate_width(std::vector<QueuedKey>& all) const {
    if (all.size() < 2) return width_;
    const std::size_t k = std::min(all.size(), kSample);
    std::vector<SimTime> times;
    times.reserve(all.size());
    for (const auto& e : all) times.push_back(e.time);
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(k - 1),
                     times.end());
    std::sort(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(k));
    const double mean = static_cast<double>(times[k - 1] - times[0]) / static_cast<double>(k - 1);
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t i = 1; i < k; ++i) {
      const auto gap = static_cast<double>(times[i] - times[i - 1]);
      if (gap <= 2.0 * mean) {
        sum += gap;
        ++count;
      }
    }
    const double width = count > 0 ? 3.0 * sum / static_cast<double>(count) : 0.0;
    return width >= 1.0 ? static_cast<SimTime>(width) : std::max<SimTime>(width_, 1);
  }

  void rebuild(std::size_t n, SimTime width) {
    buckets_.assign(n, {});
    width_shift_ = 0;
    while (width_shift_ < 62 && (SimTime{1} << (width_shift_ + 1)) <= width)
      ++width_shift_;  // floor(log2)
    width_ = SimTime{1} << width_shift_;
    cursor_ = 0;
    cursor_start_ = 0;
  }

  std::vector<std::vector<QueuedKey>> buckets_;
  SimTime width_ = kInitialWidth;
  unsigned width_shift_ = 20;
  std::size_t cursor_ = 0;
  SimTime cursor_start_ = 0;  // start time of the cursor bucket's window in the current year
  std::size_t size_ = 0;
  std::uint64_t pops_ = 0, pushes_ = 0, scan_steps_ = 0, insert_steps_ = 0;
};

}  // namespace scalesim
