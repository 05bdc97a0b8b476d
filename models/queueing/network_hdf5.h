// Writes a network run's results as the HDF5 file of docs/hdf5-schema.md (version 1).
#pragma once

#include <string>

#include "queueing_network.h"

namespace scalesim {

inline constexpr int kHdf5SchemaVersion = 1;

// Writes `path` (the final name; the file is built as path + ".partial" and renamed when
// complete). Collective: every rank of `transport` calls it after simulate(); each rank writes
// the request records of the sinks it owns. `status` is "complete" or "interrupted".
// Returns the name the file was given.
std::string write_results_hdf5(const std::string& path, const QueueingNetwork& net,
                               const NetworkRun& run, Transport& transport,
                               const std::string& status);

// The name an interrupted run's file gets: RESULTS.h5 -> RESULTS.interrupted.h5.
std::string interrupted_name(const std::string& path);

}  // namespace scalesim
