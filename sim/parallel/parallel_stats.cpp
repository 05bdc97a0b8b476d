#include "scalesim/parallel/parallel_stats.h"

#include <cstdio>

namespace scalesim {

std::string parallel_stats_table(const std::vector<ParallelStats>& per_rank) {
  std::string s =
      "  rank      events   windows      idle  remote ev  thread ev   bytes sent  compute s  "
      "exchange s   wait s\n";
  char buf[256];
  for (std::size_t r = 0; r < per_rank.size(); ++r) {
    const auto& p = per_rank[r];
    std::snprintf(
        buf, sizeof buf, "  %4zu %11llu %9llu %9llu %10llu %10llu %12llu %10.3f %11.3f %8.3f\n", r,
        static_cast<unsigned long long>(p.events), static_cast<unsigned long long>(p.windows),
        static_cast<unsigned long long>(p.idle_windows),
        static_cast<unsigned long long>(p.remote_events),
        static_cast<unsigned long long>(p.cross_thread_events),
        static_cast<unsigned long long>(p.bytes_sent), p.compute_s, p.exchange_s, p.wait_s);
    s += buf;
  }
  return s;
}

}  // namespace scalesim
