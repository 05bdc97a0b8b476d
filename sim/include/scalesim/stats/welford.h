// Running mean and variance (Welford), mergeable (Chan, Golub & LeVeque). Merges happen in a
// fixed order (LP id, then rank), so merged results are identical for any partitioning.
#pragma once

#include <cmath>
#include <cstdint>

#include "scalesim/byte_buffer.h"

namespace scalesim {

class Welford {
 public:
  void add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }

  void merge(const Welford& o) {
    if (o.n_ == 0) return;
    if (n_ == 0) {
      *this = o;
      return;
    }
    const double n = static_cast<double>(n_ + o.n_);
    const double delta = o.mean_ - mean_;
    mean_ += delta * static_cast<double>(o.n_) / n;
    m2_ += o.m2_ + delta * delta * static_cast<double>(n_) * static_cast<double>(o.n_) / n;
    n_ += o.n_;
  }

  std::uint64_t count() const { return n_; }
  double mean() const { return mean_; }
  // Sample variance (n - 1 in the denominator); 0 with fewer than two samples.
  double variance() const { return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0; }
  double stddev() const { return std::sqrt(variance()); }

  // State transfer between ranks (exact: the bits travel).
  void save(ByteWriter& w) const {
    w.put(n_);
    w.put(mean_);
    w.put(m2_);
  }
  void load(ByteReader& r) {
    n_ = r.get<std::uint64_t>();
    mean_ = r.get<double>();
    m2_ = r.get<double>();
  }

 private:
  std::uint64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

}  // namespace scalesim
