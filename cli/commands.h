// The scalesim subcommands. Each takes its own arguments (after the subcommand name) and
// returns the process exit code (see exit_codes.h).
#pragma once

#include <string>
#include <vector>

#include "scalesim/parallel/transport.h"

namespace scalesim::cli {

// Only rank 0 prints results; every rank prints its own errors' first line only if rank 0
// cannot (errors that all ranks hit identically are printed once, by rank 0).
int phold_command(const std::vector<std::string>& args, Transport& transport);
int run_command(const std::vector<std::string>& args, Transport& transport);
int sweep_command(const std::vector<std::string>& args, Transport& transport);
// The highest arrival rate meeting every SLO (MLPerf's server scenario), by repeated runs.
int capacity_command(const std::vector<std::string>& args, Transport& transport);
// Joins the shards of a sweep run as a job array (no MPI).
int merge_command(const std::vector<std::string>& args);
// The catalog commands need no MPI.
int info_command(const std::vector<std::string>& args);
int calibrate_command(const std::vector<std::string>& args);
// Trace files: convert between CSV and HDF5, read one through.
int trace_command(const std::vector<std::string>& args);
// The template gallery: list the templates; write an editable copy of one.
int templates_command(const std::vector<std::string>& args);
int new_command(const std::vector<std::string>& args);
// Draws a config's topology, or a run's annotated with its results (Graphviz).
int show_command(const std::vector<std::string>& args);
// Deployment artefacts (Kubernetes, Kubeflow, MLflow, Feast) from a simulated design.
int export_command(const std::vector<std::string>& args);

// --threads: the option if given, else OMP_NUM_THREADS (through OpenMP), else 1.
int resolve_threads(int option);

}  // namespace scalesim::cli
