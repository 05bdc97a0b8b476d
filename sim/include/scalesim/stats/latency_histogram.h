// Log-bucketed histogram of non-negative integer values (latencies in ns), in the manner of
// HdrHistogram: values below 128 have a bucket each; above, every power-of-two range is split
// into 64 equal buckets. A bucket's width is at most 1/64 of its lower edge; quantiles are
// placed inside their bucket by rank (see quantile()), so they err by far less than that. Counts
// are integers, so merging histograms (across LPs, threads, ranks) is exact and order-independent.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "scalesim/byte_buffer.h"

namespace scalesim {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 6;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBits;    // 64 per power of two
  static constexpr std::uint64_t kLinearLimit = 2 * kSubBuckets;  // values below are exact

  // Bucket index of a value.
  static std::size_t bucket_of(std::uint64_t v) {
    if (v < kLinearLimit) return static_cast<std::size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - 1 - kSubBits;
    return static_cast<std::size_t>((shift + 1) * kSubBuckets + ((v >> shift) - kSubBuckets));
  }
  // Smallest value in bucket i.
  static std::uint64_t bucket_lower(std::size_t i) {
    if (i < kLinearLimit) return i;
    const std::uint64_t shift = i / kSubBuckets - 1;
    return (i % kSubBuckets + kSubBuckets) << shift;
  }
  static std::uint64_t bucket_width(std::size_t i) {
    return i < kLinearLimit ? 1 : std::uint64_t{1} << (i / kSubBuckets - 1);
  }
  // The value reported for samples in bucket i.
  static double bucket_midpoint(std::size_t i) {
    return static_cast<double>(bucket_lower(i)) + static_cast<double>(bucket_width(i) - 1) / 2.0;
  }

  void add(std::uint64_t v, std::uint64_t count = 1) {
    const std::size_t i = bucket_of(v);
    if (i >= counts_.size()) counts_.resize(i + 1, 0);  // grows once per new octave, never after
    counts_[i] += count;
    if (total_ == 0 || v < min_) min_ = v;
    if (total_ == 0 || v > max_) max_ = v;
    total_ += count;
  }

  void merge(const LatencyHistogram& o) {
    if (o.total_ == 0) return;
    if (o.counts_.size() > counts_.size()) counts_.resize(o.counts_.size(), 0);
    for (std::size_t i = 0; i < o.counts_.size(); ++i) counts_[i] += o.counts_[i];
    min_ = total_ == 0 ? o.min_ : std::min(min_, o.min_);
    max_ = total_ == 0 ? o.max_ : std::max(max_, o.max_);
    total_ += o.total_;
  }

  std::uint64_t count() const { return total_; }
  // The share of samples above 0 (the first bucket holds 0 alone): P(wait > 0) of a wait
  // histogram. 0 when empty.
  double share_above_zero() const {
    if (total_ == 0) return 0.0;
    return 1.0 - static_cast<double>(counts_[0]) / static_cast<double>(total_);
  }
  std::uint64_t min() const { return min_; }
  std::uint64_t max() const { return max_; }

  // The q-quantile (0 <= q <= 1): the sample of rank ceil(q * n), located inside its bucket by
  // spreading the bucket's samples evenly over it (exact below 128, where buckets are one value
  // wide; within a small fraction of the bucket width above for any smooth density), clamped
  // to the exact min and max. 0 when empty.
  double quantile(double q) const {
    if (total_ == 0) return 0.0;
    const double want = q * static_cast<double>(total_);
    std::uint64_t rank = static_cast<std::uint64_t>(want);
    if (static_cast<double>(rank) < want) ++rank;
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const std::uint64_t width = bucket_width(i);
        double v = static_cast<double>(bucket_lower(i));
        if (width > 1) {
          const std::uint64_t before = seen - counts_[i];
          v += static_cast<double>(width) * (static_cast<double>(rank - before) - 0.5) /
               static_cast<double>(counts_[i]);
        }
        return std::clamp(v, static_cast<double>(min_), static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

  std::span<const std::uint64_t> counts() const { return counts_; }

  void save(ByteWriter& w) const {
    w.put_vector(counts_);
    w.put(total_);
    w.put(min_);
    w.put(max_);
  }
  void load(ByteReader& r) {
    counts_ = r.get_vector<std::uint64_t>();
    total_ = r.get<std::uint64_t>();
    min_ = r.get<std::uint64_t>();
    max_ = r.get<std::uint64_t>();
  }

  friend bool operator==(const LatencyHistogram&, const LatencyHistogram&) = default;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace scalesim
