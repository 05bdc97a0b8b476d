// The GPU model against microbenchmarks of one device (bench/gpu_microbench.cu writes them:
// calibration/gpu_microbench_*.csv): each case's work (FLOPs, bytes crossing HBM or the host
// link) goes through the same roofline that times a model server's batch, and the prediction is
// set beside the measurement. Nothing here is fitted to these files.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hardware/catalog/catalog.h"

namespace scalesim::hardware {

struct MicrobenchCase {
  int line = 0;
  std::string kind;  // gemm, batched_gemm, stream, launch, copy
  std::string name, precision;
  double m = 0, n = 0, k = 0, batch = 1;
  double flops = 0, bytes = 0;  // per operation
  double seconds = 0;           // median time of one operation
  double value = 0;             // the measured figure in `unit`
  std::string unit;             // TFLOP/s, GB/s or us
};

struct MicrobenchFile {
  std::string path;
  std::vector<std::pair<std::string, std::string>> meta;  // the '# key: value' lines
  std::vector<MicrobenchCase> cases;
  // A '# key: value' entry, or "" when absent.
  std::string meta_value(const std::string& key) const;
};

// Throws CatalogError naming file:line and column for a malformed file.
MicrobenchFile read_microbenchmark(const std::string& path);

struct MicrobenchComparison {
  MicrobenchCase measured;
  std::optional<double> predicted;  // in the case's unit; none where the model has no term
  std::string why_none;             // why there is no prediction
  double rel_error() const {
    return predicted ? (*predicted - measured.value) / measured.value : 0;
  }
};

// The catalog GPU is the file's `catalog_gpu` entry (bench/gpu_check.sh writes it from the
// device's name); its architecture's efficiencies, a fused stack with no per-batch overhead.
std::vector<MicrobenchComparison> compare_microbenchmark(const Catalog& catalog,
                                                         const MicrobenchFile& file);

}  // namespace scalesim::hardware
