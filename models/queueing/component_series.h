// The time series every component keeps (HDF5 /components/NAME/timeseries): built from the
// run's output interval, advanced by the component as events pass, finished at the end and read
// by the reports. Components derive from it, which also gives them the lifecycle defaults: no
// work at init, and a series that ends with nothing busy or queued.
#pragma once

#include <cstdint>

#include "scalesim/sim_time.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class ComponentSeries {
 public:
  const TimeSeriesRecorder& series() const { return series_; }

  template <class Ctx>
  void init(Ctx& /*ctx*/) {}
  void finish(SimTime end) { series_.finish(end, 0, 0); }

 protected:
  // `servers`: what utilisation is a share of (0: no utilisation column).
  ComponentSeries(SimTime interval, std::uint32_t servers, bool adaptive)
      : series_(interval, servers, adaptive) {}

  TimeSeriesRecorder series_;
};

}  // namespace scalesim
