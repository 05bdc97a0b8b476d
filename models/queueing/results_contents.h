// Everything of a results file (docs/hdf5-schema.md) but /requests: the root attributes, the
// configuration and topology, each component's report, time series and histograms, /summary.
// Written once, after the run (network_hdf5.cpp streams /requests as the run goes).
#pragma once

#include <string>

#include "models/queueing/queueing_network.h"
#include "scalesim/io/hdf5_file.h"

namespace scalesim {

void write_results_contents(const Hdf5Group& root, const QueueingNetwork& net,
                            const NetworkRun& run, const std::string& status);

}  // namespace scalesim
