// What a sweep produces: per (point, replication) metric values, and per point the mean and
// confidence interval of each metric, feasibility against the spec's constraints, and the
// optimum. Kept crash-safe while running by a per-rank append-only journal next to the output
// (OUT.journal.<rank>), from which a restarted sweep takes the finished runs; written at the end
// as /sweep/ in an HDF5 file (docs/hdf5-schema.md) or as JSON, atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/sweep_spec.h"

namespace scalesim {

struct SweepRunResult {
  std::uint32_t point = 0;
  std::uint32_t replication = 0;
  std::vector<double> values;  // one per metric name, in SweepTable::metric_names order
};

struct SweepTable {
  std::string backend;  // "des" | "mc"
  std::vector<std::string> parameter_paths;
  std::vector<std::vector<std::string>> points;  // [point][parameter], as in SweepSpec
  std::vector<std::string> metric_names;
  int replications = 0;
  std::uint64_t seed = 0;
  // values[(point * replications + rep) * metrics + m]; NaN where a run is missing.
  std::vector<double> values;
  // Filled by summarise():
  double level = 0.95;                 // confidence level of the intervals
  std::vector<double> mean;            // [point * metrics + m]
  std::vector<double> half_width;      // [point * metrics + m], Student-t over replications
  std::vector<std::uint8_t> feasible;  // [point]: every constraint met by the CI bound on the
                                       // safe side (a "< x" constraint needs mean + hw < x)
  int optimum = -1;                    // feasible point with the best objective mean; -1: none
  // Run facts, written as attributes.
  double wall_seconds = 0;
  std::uint64_t runs_done_here = 0;  // runs this invocation computed (the rest were resumed)
  std::uint64_t station_visits = 0;  // mc backend
  int ranks = 1, threads = 1;
  std::string spec_text;
  std::string spec_path;  // absolute, so `scalesim merge` can reload the spec
  std::string shard;      // "I/N" for one shard of a job array, empty for a whole sweep
  std::uint64_t fingerprint = 0;

  std::size_t point_count() const { return points.size(); }
  double value(std::size_t point, int rep, std::size_t metric) const;
};

// Means, intervals, feasibility and optimum from `values` (constraints and objective from the
// spec; a constraint or objective metric not in metric_names is a ConfigError naming it).
void summarise(SweepTable& table, const SweepSpec& spec);

// The optimum (or why there is none) as text, for the summary.
std::string optimum_text(const SweepTable& table, const SweepSpec& spec);

// Append-only record of finished runs, one file per rank, each record checksummed and flushed
// so that a SIGKILL loses at most the run being written.
class SweepJournal {
 public:
  // Opens OUT.journal.<rank> for appending (creating it with a header naming the fingerprint
  // and metrics).
  SweepJournal(const std::string& output, int rank, std::uint64_t fingerprint,
               const std::vector<std::string>& metric_names);
  ~SweepJournal();
  SweepJournal(const SweepJournal&) = delete;
  SweepJournal& operator=(const SweepJournal&) = delete;
  void append(const SweepRunResult& r);

  // Every complete record in every OUT.journal.* file. A torn last record is ignored; a journal
  // from a different spec (fingerprint or metrics differ) is a std::runtime_error that says to
  // delete it or use another output name.
  static std::vector<SweepRunResult> read_all(const std::string& output, std::uint64_t fingerprint,
                                              const std::vector<std::string>& metric_names);
  // Removes every OUT.journal.* (after the final output is written).
  static void remove_all(const std::string& output);

 private:
  int fd_ = -1;
  std::string path_;
  std::size_t metrics_ = 0;
  std::int64_t last_sync_ns_ = 0;  // steady clock of the last fdatasync
};

// Writes /sweep/ to `path` (HDF5) atomically: a temporary name, then rename.
void write_sweep_hdf5(const std::string& path, const SweepTable& table);
// Reads back what write_sweep_hdf5 wrote (for `scalesim merge`): the table's identity, runs
// and values; summaries are recomputed by the caller.
SweepTable read_sweep_hdf5(const std::string& path);
// JSON with the same content (when the output name does not end in .h5/.hdf5).
std::string sweep_json(const SweepTable& table, const SweepSpec& spec);

}  // namespace scalesim
