// Fitting the GPU model's efficiency parameters to published measurements, and comparing every
// measurement with the model (docs/calibration.md).
//
// Measurement files are CSV with a header (calibration/gpu_inference.csv,
// calibration/gpu_training.csv): device, model, input (a named input of the model profile),
// precision, software (matched to a stack by prefix), batch (a number or "offline") or gpus
// (training), metric (throughput or mean_latency), value, unit, source. Optional columns:
// gpus (inference: the figure is for that many GPUs, each serving alone), batch_per_gpu
// (training; default the model's training_batch for the precision).
#pragma once

#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"
#include "hardware/gpu/gpu_performance.h"

namespace scalesim::hardware {

struct GpuMeasurement {
  std::string file;
  int line = 0;
  bool training = false;
  std::string device, model, input, precision, software, metric, unit, source;
  int batch = 0;  // 0 = offline (the model's offline batch)
  int gpus = 1;
  int batch_per_gpu = 0;  // training; 0 = the model's training_batch for the precision
  double value = 0;
  std::string where() const { return file + ":" + std::to_string(line); }
  // The publication the figure comes from: the repository (without a commit) and the document
  // or, for MLCommons result repositories, the submitter's folder. Cross-validation leaves out
  // one publication at a time.
  std::string publication() const;
};

// Throws CatalogError with file:line for malformed rows.
std::vector<GpuMeasurement> read_gpu_measurements(const std::string& path);

// The parameters the fit moves, all shared by every architecture (an architecture seen by no
// measurement could otherwise only keep a guess): fill time, memory efficiency, peak efficiency
// per precision, kernel launch; per eager stack: per-op overhead.
struct GpuFit {
  ArchitectureEfficiency common;
  std::vector<std::pair<std::string, double>> per_op_overhead;  // eager stack -> s
};

// The catalog's current parameters.
GpuFit current_fit(const Catalog& catalog);

// Where every fit starts, and the value a parameter keeps when no measurement of a fit depends
// on it (a precision or a stack left out by cross-validation): round physical guesses, not
// fitted to anything.
GpuFit prior_fit(const Catalog& catalog);

// A measurement with its catalog entries looked up once: a fit evaluates it thousands of times.
struct ResolvedMeasurement {
  const GpuMeasurement* m = nullptr;
  GpuSpec gpu;
  const ModelProfile* model = nullptr;
  SoftwareStack stack;
  Precision precision = Precision::kFp32;
  double input = 0;  // effective input size
  int batch = 0;     // inference batch, or training batch per GPU
};
ResolvedMeasurement resolve(const Catalog& catalog, const GpuMeasurement& m);
std::vector<ResolvedMeasurement> resolve(const Catalog& catalog,
                                         const std::vector<GpuMeasurement>& data);

// The model's prediction for one measurement, in the measurement's unit.
double predict(const ResolvedMeasurement& r, const GpuFit& fit);
double predict(const Catalog& catalog, const GpuFit& fit, const GpuMeasurement& m);

struct FitReport {
  GpuFit fit;
  double rms_log_error = 0;
  int evaluations = 0;
};

// Least squares on log(model / measured) by Nelder-Mead over bounded, physical ranges, from
// `start`; parameters no point depends on are left as they are in `start`. Deterministic (fixed
// starting simplex and restarts). `restarts` and `evaluations_per_restart` bound the work.
FitReport fit_gpu_model(const std::vector<ResolvedMeasurement>& data, GpuFit start,
                        int restarts = 6, int evaluations_per_restart = 4000);
// From the prior, over every measurement.
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
