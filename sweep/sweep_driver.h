// Runs the tasks of a sweep over every rank and thread of the job with dynamic distribution: a
// shared counter hands out the next chunk of pending tasks to whichever worker asks first, so a
// slow point does not hold up a static share. Finished runs go to the rank's journal as they
// complete (a restarted sweep skips them), progress is reported on rank 0, and at the end rank 0
// holds every result. The backends (des, mc) supply only the computation of a chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "scalesim/parallel/transport.h"
#include "sweep/sweep_results.h"

namespace scalesim {

// One unit of work: replication `replication` of point `point`.
struct SweepTask {
  std::uint32_t point = 0;
  std::uint32_t replication = 0;
};

struct SweepDriverOptions {
  std::string output;            // the final output; journals go next to it
  int workers = 1;               // workers per rank (threads); each computes its own chunks
  std::uint64_t chunk = 1;       // tasks a worker takes at a time
  bool whole_points = false;     // chunks hold every replication of their points (mc backend)
  double log_interval_s = 10.0;  // progress lines when stderr is not a terminal
  bool quiet = false;            // no progress at all
  // Shard `shard_index` of `shard_count` (job arrays): only points p with
  // p % shard_count == shard_index; `scalesim merge` joins the shards' files.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
};

struct SweepDriverOutcome {
  std::vector<SweepRunResult> results;  // rank 0: every run, resumed ones included
  std::uint64_t runs_done_here = 0;     // runs computed by this invocation, all ranks
  std::uint64_t runs_resumed = 0;
  bool interrupted = false;  // SIGINT/SIGTERM: the journals hold what was finished
};

// compute(tasks, worker): the results of `tasks` (one per task, any order; fewer when a stop
// was requested, the missing ones being left for a resumed sweep).
using SweepCompute =
    std::function<std::vector<SweepRunResult>(std::span<const SweepTask> tasks, int worker)>;

SweepDriverOutcome drive_sweep(const SweepSpec& spec, const std::vector<std::string>& metric_names,
                               Transport& transport, const SweepDriverOptions& options,
                               const SweepCompute& compute);

// The outcome as a table (rank 0), values ordered by (point, replication), NaN where missing.
SweepTable make_table(const SweepSpec& spec, const std::vector<std::string>& metric_names,
                      const std::string& backend, const std::vector<SweepRunResult>& results);

}  // namespace scalesim
