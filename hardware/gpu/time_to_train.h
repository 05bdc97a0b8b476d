// Time to train of published MLPerf Training results, predicted: the training model's
// throughput for the submission's GPUs, precision, global batch and software, times the epochs
// the reference convergence points give for that batch (convergence.h). Nothing of the
// results is fitted: they check the throughput model and the convergence curve together.
#pragma once

#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"

namespace scalesim::hardware {

struct TimeToTrainRow {
  std::string round, submitter, system, device, benchmark;
  int gpus = 0;
  int global_batch = 0;
  double measured_minutes = 0;  // the MLPerf score (olympic mean of the runs)
  std::string source;
  // Predicted; `excluded` says why a row is not.
  std::string excluded;
  std::string stack;
  double epochs = 0;  // to the quality target, from the reference convergence points
  double samples_per_second = 0;
  double predicted_minutes = 0;
  double rel_error = 0;
};

// Reads calibration/mlperf_training_results.csv (columns round, submitter, system, device,
// gpus, benchmark, global_batch_size, time_to_train_min, software, source, ...) and predicts
// every row it can. Throws CatalogError naming file:line on a malformed row.
std::vector<TimeToTrainRow> predict_mlperf_time_to_train(const Catalog& catalog,
                                                         const std::string& path);

}  // namespace scalesim::hardware
