// Waiting and sojourn times of a component that serves requests (station, model server), since
// the warm-up: what server_report.h reports for both. Each component decides when a request's
// wait ends (its service starts) and when it leaves.
#pragma once

#include <cstdint>

#include "scalesim/byte_buffer.h"
#include "scalesim/sim_time.h"
#include "scalesim/stats/confidence.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class ServedStatistics {
 public:
  // Waiting time in queue (arrival to start of service), in seconds.
  const Welford& wait() const { return wait_; }
  const BatchMeans& wait_batches() const { return wait_batches_; }
  const LatencyHistogram& wait_histogram() const { return wait_histogram_; }
  // Sojourn time (arrival to end of service), in seconds.
  const Welford& sojourn() const { return sojourn_; }
  const LatencyHistogram& sojourn_histogram() const { return sojourn_histogram_; }

 protected:
  [[gnu::always_inline]] void add_wait(SimTime wait) {
    wait_.add(to_seconds(wait));
    wait_batches_.add(to_seconds(wait));
    wait_histogram_.add(static_cast<std::uint64_t>(wait));
  }
  [[gnu::always_inline]] void add_sojourn(SimTime sojourn) {
    sojourn_.add(to_seconds(sojourn));
    sojourn_histogram_.add(static_cast<std::uint64_t>(sojourn));
  }
  void save_served(ByteWriter& w) const {
    wait_.save(w);
    wait_batches_.save(w);
    wait_histogram_.save(w);
    sojourn_.save(w);
    sojourn_histogram_.save(w);
  }
  void load_served(ByteReader& r) {
    wait_.load(r);
    wait_batches_.load(r);
    wait_histogram_.load(r);
    sojourn_.load(r);
    sojourn_histogram_.load(r);
  }

 private:
  Welford wait_;
  BatchMeans wait_batches_;
  LatencyHistogram wait_histogram_;
  Welford sojourn_;
  LatencyHistogram sojourn_histogram_;
};

}  // namespace scalesim
