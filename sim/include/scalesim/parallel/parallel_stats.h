// Per-rank counters of a parallel run, printed by --stats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scalesim {

struct ParallelStats {
  std::uint64_t events = 0;
  std::uint64_t windows = 0;
  std::uint64_t idle_windows = 0;         // windows in which this rank processed no event
  std::uint64_t remote_events = 0;        // events sent to other ranks
  std::uint64_t cross_thread_events = 0;  // events sent to other threads of this rank
  std::uint64_t bytes_sent = 0;           // to other ranks
  double compute_s = 0.0;                 // processing events (master thread)
  double exchange_s = 0.0;                // MPI exchange with the global minimum riding on it
  double wait_s = 0.0;  // waiting at the end-of-window barrier for the other threads
};

// A table with one row per rank.
std::string parallel_stats_table(const std::vector<ParallelStats>& per_rank);

}  // namespace scalesim
