// Time-weighted average of a piecewise-constant quantity (busy servers, queue length, memory).
// Only time at or after `start` counts, so a warm-up period is excluded by construction.
#pragma once

#include <algorithm>

#include "scalesim/byte_buffer.h"
#include "scalesim/sim_time.h"

namespace scalesim {

class TimeWeighted {
 public:
  explicit TimeWeighted(SimTime start = 0, double initial = 0.0)
      : start_(start), last_(start), value_(initial) {}

  // The quantity changes to `value` at time `now`. REQUIRES: now is non-decreasing.
  void set(SimTime now, double value) {
    accumulate(now);
    value_ = value;
  }
  void add(SimTime now, double delta) { set(now, value_ + delta); }

  double value() const { return value_; }
  // Largest value held at or after start.
  double peak() const { return last_ >= start_ ? std::max(peak_, value_) : peak_; }

  // Average over [start, now]; the current value if no time has passed.
  double mean(SimTime now) const {
    const SimTime t = std::max(now, start_);
    const SimTime open = std::max(last_, start_);
    const double area = area_ + value_ * static_cast<double>(t - open);
    const SimTime span = t - start_;
    return span > 0 ? area / static_cast<double>(span) : value_;
  }

  void save(ByteWriter& w) const {
    for (SimTime t : {start_, last_}) w.put(t);
    for (double d : {value_, area_, peak_}) w.put(d);
  }
  void load(ByteReader& r) {
    start_ = r.get<SimTime>();
    last_ = r.get<SimTime>();
    value_ = r.get<double>();
    area_ = r.get<double>();
    peak_ = r.get<double>();
  }

 private:
  void accumulate(SimTime now) {
    if (now > start_) {
      const SimTime open = std::max(last_, start_);
      area_ += value_ * static_cast<double>(now - open);
      peak_ = std::max(peak_, value_);
    }
    last_ = std::max(now, last_);
  }

  SimTime start_;
  SimTime last_;
  double value_;
  double area_ = 0.0;
  double peak_ = 0.0;
};

}  // namespace scalesim
