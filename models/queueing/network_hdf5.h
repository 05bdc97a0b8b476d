// Writes a network run's results as the HDF5 file of docs/hdf5-schema.md (version 1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {

inline constexpr int kHdf5SchemaVersion = 1;
inline constexpr std::uint64_t kDefaultRecordChunk = 65536;  // /requests rows per chunk
inline constexpr std::uint64_t kMaxRecordChunk = std::uint64_t{1} << 24;

// A run's results file, open for the whole run: created as path + ".partial" before the run
// (status "interrupted" until finish() says otherwise), fed the request records as the sinks
// fill blocks of `chunk_rows`, completed and renamed by finish(). With one rank and one thread
// the blocks go into /requests as they come (and are flushed: a killed run leaves a readable
// .partial); otherwise each rank keeps them in a scratch file beside the output until finish()
// places them, collectively. Memory stays at a few blocks per sink whatever the run's length.
// Collective: every rank of `transport` constructs it and calls finish().
class ResultsFile {
 public:
  ResultsFile(const std::string& path, QueueingNetwork& net, Transport& transport, int threads,
              std::uint64_t chunk_rows = kDefaultRecordChunk);
  ~ResultsFile();  // removes the scratch files; an unfinished .partial stays, marked interrupted
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  // After simulate(): writes the rest, closes and renames the file. `status` is "complete" or
  // "interrupted". Returns the name the file was given.
  std::string finish(const QueueingNetwork& net, const NetworkRun& run, const std::string& status);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The name an interrupted run's file gets: RESULTS.h5 -> RESULTS.interrupted.h5.
std::string interrupted_name(const std::string& path);

}  // namespace scalesim

namespace scalesim {

// A scalar string dataset of a results file (e.g. "topology/dot", "config"). Throws
// std::runtime_error naming the file and dataset when it is not there.
std::string read_results_text(const std::string& path, const std::string& dataset);

}  // namespace scalesim
