// Confidence intervals: Student-t intervals over independent estimates (replication means),
// and batch means for one long correlated run (the batch size doubles as the run grows, so
// memory stays bounded and the batches stay long enough to be nearly independent).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "scalesim/byte_buffer.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

struct ConfidenceInterval {
  double mean = 0.0;
  double half_width = 0.0;  // mean +- half_width covers the true value with `level`
  double level = 0.0;
  std::uint64_t samples = 0;  // independent estimates the interval rests on

  double lower() const { return mean - half_width; }
  double upper() const { return mean + half_width; }
  bool contains(double x) const { return x >= lower() && x <= upper(); }
};

// Two-sided Student-t quantile t_{(1+level)/2, dof}.
double student_t_critical(double level, std::uint64_t dof);

// Interval for the mean of independent, identically distributed estimates.
// With fewer than two estimates the half width is infinite.
ConfidenceInterval t_interval(const Welford& estimates, double level);
ConfidenceInterval t_interval(std::span<const double> estimates, double level);

class BatchMeans {
 public:
  // Keeps between `batches` and 2 * `batches` complete batches.
  explicit BatchMeans(std::size_t batches = 32) : target_(batches) { sums_.reserve(2 * batches); }

  void add(double x) {
    current_ += x;
    if (++in_current_ == batch_size_) {
      sums_.push_back(current_);
      current_ = 0.0;
      in_current_ = 0;
      if (sums_.size() == 2 * target_) halve();
    }
  }

  std::uint64_t batch_size() const { return batch_size_; }
  std::size_t batch_count() const { return sums_.size(); }
  // Interval from the complete batches (the partial last batch is left out).
  ConfidenceInterval interval(double level) const;

  void save(ByteWriter& w) const {
    w.put(target_);
    w.put_vector(sums_);
    w.put(batch_size_);
    w.put(in_current_);
    w.put(current_);
  }
  void load(ByteReader& r) {
    target_ = r.get<std::size_t>();
    sums_ = r.get_vector<double>();
    batch_size_ = r.get<std::uint64_t>();
    in_current_ = r.get<std::uint64_t>();
    current_ = r.get<double>();
  }

 private:
  void halve();

  std::size_t target_;
  std::vector<double> sums_;  // sum of each complete batch
  std::uint64_t batch_size_ = 1;
  std::uint64_t in_current_ = 0;
  double current_ = 0.0;
};

}  // namespace scalesim
