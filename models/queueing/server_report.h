// The statistics every component that queues customers in front of servers (`station`,
// `model_server`) reports, declared in one place.
#pragma once

#include "models/queueing/component_report.h"

namespace scalesim {

// servers, arrivals, served, utilisation, mean_queue_length, wait and sojourn distributions (with
// the 99% batch-means interval of the mean wait)
// (sojourn is the primary latency), throughput_per_s; the /summary count is `served`.
template <class Server>
void report_service(ComponentReport& r, const ReportContext& ctx, const Server& s,
                    unsigned wait_headline, unsigned sojourn_headline) {
  r.count("servers", s.servers());
  r.count("arrivals", s.arrivals());
  r.count("served", s.departures(), kText);
  r.value("utilisation", s.utilisation(ctx.end_time), Unit::kShare, kHeadline);
  r.value("mean_queue_length", s.mean_queue_length(ctx.end_time), Unit::kNumber, kText);
  r.latency("wait", s.wait().mean(), s.wait_histogram(), wait_headline, kMean | kP99, false, true);
  r.value("wait_ci99_half_width_s", s.wait_batches().interval(0.99).half_width, Unit::kSeconds);
  r.latency("sojourn", s.sojourn().mean(), s.sojourn_histogram(), sojourn_headline, kMean | kP99,
            true);
  r.value("throughput_per_s", ctx.per_second(static_cast<double>(s.sojourn().count())),
          Unit::kPerSecond, kHeadline);
  r.summary_count(s.departures());
}

}  // namespace scalesim
