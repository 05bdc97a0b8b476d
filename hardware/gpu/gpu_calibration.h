// Fitting the GPU model's efficiency parameters to published measurements, and comparing every
// measurement with the model (docs/calibration.md).
//
// Measurement files are CSV with a header (calibration/gpu_inference.csv,
// calibration/gpu_training.csv): device, model, input (a named input of the model profile),
// precision, software (matched to a stack by prefix), batch (a number or "offline") or gpus
// (training), metric (throughput or mean_latency), value, unit, source.
#pragma once

#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"

namespace scalesim::hardware {

struct GpuMeasurement {
  std::string file;
  int line = 0;
  bool training = false;
  std::string device, model, input, precision, software, metric, unit, source;
  int batch = 0;  // 0 = offline (the model's offline batch)
  int gpus = 1;
  double value = 0;
  std::string where() const { return file + ":" + std::to_string(line); }
};

// Throws CatalogError with file:line for malformed rows.
std::vector<GpuMeasurement> read_gpu_measurements(const std::string& path);

// The parameters the fit moves. Shared: fill time, memory efficiency, peak efficiency per
// precision class; per architecture: kernel launch; per eager stack: per-op overhead.
struct GpuFit {
  ArchitectureEfficiency common;
  std::vector<std::pair<std::string, double>> kernel_launch;    // architecture -> s
  std::vector<std::pair<std::string, double>> per_op_overhead;  // eager stack -> s
};

// The catalog's current parameters (the starting point of a fit).
GpuFit current_fit(const Catalog& catalog);

// The model's prediction for one measurement, in the measurement's unit.
double predict(const Catalog& catalog, const GpuFit& fit, const GpuMeasurement& m);

struct FitReport {
  GpuFit fit;
  double rms_log_error = 0;
  int evaluations = 0;
};

// Least squares on log(model / measured) by Nelder-Mead over bounded, physical ranges;
// deterministic (fixed starting simplex and restarts).
FitReport fit_gpu_model(const Catalog& catalog, const std::vector<GpuMeasurement>& data);

// Rewrites the efficiency file with `fit` (atomically), keeping its software stacks.
void write_efficiency_file(const Catalog& catalog, const GpuFit& fit, const std::string& path);

struct ComparisonRow {
  std::string scenario;  // device, model, precision, software, batch
  std::string metric;
  std::string unit;
  double measured = 0;
  double modelled = 0;
  double rel_error = 0;  // (modelled - measured) / measured
  double tolerance = 0;  // 0: reported only
  bool within = true;
  std::string source;
};

std::vector<ComparisonRow> compare_gpu(const Catalog& catalog,
                                       const std::vector<GpuMeasurement>& data, double tolerance);

}  // namespace scalesim::hardware
