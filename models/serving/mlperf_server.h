// MLPerf Inference's server scenario, replayed through the simulator
// (calibration/mlperf_server.csv): each VALID published result is the highest Poisson query
// rate (one sample per query) whose p99 latency stayed under the benchmark's bound. Its system
// is rebuilt as a `model_server` (one replica per GPU, the submitter's server batch size, its
// inference streams as model instances, its batching timeout as the queue delay) and
// `search_capacity` finds the highest rate whose simulated p99 stays under the same bound.
//
// Nothing is fitted to these rows. Each is predicted twice: with the catalog's GPU fit, which
// saw the same system's Offline result (so the replay judges only the step from a batch time to
// a latency-bounded rate: queueing, batching, several GPUs), and with the fold of the GPU
// cross-validation that left out the whole publication (the submitter's results in that
// round): a prediction made without any figure of that submission.
#pragma once

#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"
#include "hardware/gpu/gpu_cross_validation.h"

namespace scalesim {

struct MlperfServerPoint {
  std::string file;
  int line = 0;
  std::string label;  // "A100-SXM4-40GB x8, resnet50 int8, batch 64 x 2 streams"
  std::string device, model, input, precision, software;
  int gpus = 1, max_batch = 1, instances = 1;
  double queue_delay_s = 0;
  double bound_s = 0;         // the p99 latency bound
  double measured = 0;        // scheduled samples/s of the VALID result
  double measured_p99_s = 0;  // the p99 latency that run reached (often well under the bound)
  std::string source, config_source;
  std::string publication;   // the GPU cross-validation group the row belongs to
  double in_sample = 0;      // capacity with the catalog's fit
  double out_of_sample = 0;  // with the fit that left the publication out (0: no such fold)
  double in_sample_error = 0, out_of_sample_error = 0;  // relative to measured
  double p99_at_capacity_s = 0;                         // simulated p99 at the in-sample capacity
};

struct MlperfServerReplay {
  std::vector<MlperfServerPoint> points;
  double in_median = 0, in_worst = 0, out_median = 0, out_worst = 0;  // |error|
};

struct MlperfServerOptions {
  std::uint64_t requests = 60000;  // per trial, after the warm-up
  std::uint64_t warmup = 6000;     // requests
  double tolerance = 0.01;         // of the capacity search
  std::uint64_t seed = 42;
};

// Reads the rows (errors name file, line and column) and replays each; `lopo` is the GPU
// cross-validation by publication (nullptr: no out-of-sample column).
MlperfServerReplay replay_mlperf_server(const std::string& csv_path,
                                        const hardware::Catalog& catalog,
                                        const hardware::CrossValidation* lopo,
                                        const MlperfServerOptions& options = {});

// The highest Poisson rate at which `point`'s system keeps its p99 under the bound, with this
// catalog's GPU model; also the p99 at that rate.
std::pair<double, double> server_capacity(const MlperfServerPoint& point,
                                          const hardware::Catalog& catalog, double start,
                                          const MlperfServerOptions& options);

}  // namespace scalesim
