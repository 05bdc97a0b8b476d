// Fixed-interval time series of a component: time-averaged busy servers and queue length, and a
// count per second, one row per interval [k*dt, (k+1)*dt). Intervals close lazily, when the
// component next changes state (or at the end), so recording costs one comparison per event.
// Rows depend only on the LP's own event times: identical for any placement of LPs.
// With `adaptive`, memory stays bounded for runs of any length: when the series reaches
// 2 x kMaxRows rows, neighbouring rows merge and the interval doubles (as batch means do).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "scalesim/byte_buffer.h"
#include "scalesim/sim_time.h"

namespace scalesim {

class TimeSeriesRecorder {
 public:
  struct Row {
    double t_s;               // end of the interval
    double utilisation;       // NaN when the component has no servers
    double queue_length;      // NaN when the component has no queue
    double throughput_per_s;  // counted events per second of the interval
  };

  static constexpr std::size_t kMaxRows = 1024;

  // interval <= 0 disables recording; servers == 0 means "no servers, no queue".
  TimeSeriesRecorder(SimTime interval = 0, std::uint32_t servers = 0, bool adaptive = false)
      : interval_(interval),
        servers_(servers),
        adaptive_(adaptive),
        next_end_(interval > 0 ? interval : kTimeInfinity) {}

  SimTime interval() const { return interval_; }

  // Call before a state change at `now`, with the values held until now.
  void advance(SimTime now, double busy, double queued) {
    if (now >= next_end_) [[unlikely]]
      close_intervals(now, busy, queued);  // once per interval; the rest stays inline
    accumulate(now, busy, queued);
  }
  void count() { ++count_; }
  void count(std::uint64_t n) { count_ += n; }

  // Closes the last, possibly partial, interval at `end`.
  void finish(SimTime end, double busy, double queued) {
    if (interval_ <= 0) return;
    advance(end, busy, queued);
    if (end > open_) close(end);
  }

  const std::vector<Row>& rows() const { return rows_; }

  void save(ByteWriter& w) const {
    w.put(interval_);
    w.put_vector(rows_);
    w.put(next_end_);
    w.put(open_);
    w.put(last_);
    w.put(busy_area_);
    w.put(queue_area_);
    w.put(count_);
  }
  void load(ByteReader& r) {
    interval_ = r.get<SimTime>();
    rows_ = r.get_vector<Row>();
    next_end_ = r.get<SimTime>();
    open_ = r.get<SimTime>();
    last_ = r.get<SimTime>();
    busy_area_ = r.get<double>();
    queue_area_ = r.get<double>();
    count_ = r.get<std::uint64_t>();
  }

 private:
  [[gnu::noinline]] void close_intervals(SimTime now, double busy, double queued) {
    while (now >= next_end_) {
      accumulate(next_end_, busy, queued);
      close(next_end_);
      next_end_ += interval_;
    }
  }
  void accumulate(SimTime t, double busy, double queued) {
    if (t <= last_) return;
    const auto dt = static_cast<double>(t - last_);
    busy_area_ += busy * dt;
    queue_area_ += queued * dt;
    last_ = t;
  }
  void close(SimTime end) {
    const auto span = static_cast<double>(end - open_);
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    rows_.push_back(
        Row{to_seconds(end), servers_ > 0 ? busy_area_ / span / static_cast<double>(servers_) : nan,
            servers_ > 0 ? queue_area_ / span : nan, static_cast<double>(count_) / (span * 1e-9)});
    open_ = end;
    busy_area_ = queue_area_ = 0.0;
    count_ = 0;
    if (adaptive_ && rows_.size() == 2 * kMaxRows && end == next_end_) coarsen();
  }

  // Merges rows pairwise (equal spans: plain means) and doubles the interval. Only on a
  // boundary, so the open interval starts at a multiple of the new interval.
  void coarsen() {
    for (std::size_t i = 0; i < kMaxRows; ++i) {
      const Row& a = rows_[2 * i];
      const Row& b = rows_[2 * i + 1];
      rows_[i] =
          Row{b.t_s, (a.utilisation + b.utilisation) / 2, (a.queue_length + b.queue_length) / 2,
              (a.throughput_per_s + b.throughput_per_s) / 2};
    }
    rows_.resize(kMaxRows);
    interval_ *= 2;
    next_end_ = open_;  // advance() adds the new interval after close()
  }

  SimTime interval_;
  std::uint32_t servers_;
  bool adaptive_;
  SimTime next_end_;
  SimTime open_ = 0;  // start of the open interval
  SimTime last_ = 0;  // time up to which the areas are accumulated
  double busy_area_ = 0.0, queue_area_ = 0.0;
  std::uint64_t count_ = 0;
  std::vector<Row> rows_;
};

}  // namespace scalesim
