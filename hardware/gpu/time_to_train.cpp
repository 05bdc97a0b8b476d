#include "hardware/gpu/time_to_train.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "hardware/gpu/calibration_csv.h"

namespace scalesim::hardware {
namespace {

// The MLPerf benchmark's model profile and its training set.
struct Benchmark {
  const char* model;
  double dataset_samples;  // one epoch
  const char* excluded;    // why its rows are not predicted ("" when they are)
};

const Benchmark* benchmark(const std::string& name) {
  // ImageNet-1k: 1,281,167 training images. BERT phase 2 counts samples, not epochs, but its
  // samples are unpadded variable-length sequences whose token count the result logs do not
  // give, so the work per sample is unknown.
  static const std::map<std::string, Benchmark, std::less<>> kBenchmarks = {
      {"resnet", {"resnet50", 1281167, ""}},
      {"bert",
       {"bert-large", 1,
        "samples are unpadded sequences of up to 512 tokens; the logs do not give their mean "
        "length"}},
  };
  const auto it = kBenchmarks.find(name);
  return it == kBenchmarks.end() ? nullptr : &it->second;
}

bool contains_mxnet(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s.find("mxnet") != std::string::npos;
}

}  // namespace

std::vector<TimeToTrainRow> predict_mlperf_time_to_train(const Catalog& catalog,
                                                         const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CatalogError(path + ": cannot open");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv(line);
  auto col = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw CatalogError(path + ":1: no column '" + name + "'");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_round = col("round"), c_sub = col("submitter"), c_sys = col("system"),
                    c_dev = col("device"), c_gpus = col("gpus"), c_bench = col("benchmark"),
                    c_batch = col("global_batch_size"), c_min = col("time_to_train_min"),
                    c_soft = col("software"), c_src = col("source");
  std::vector<TimeToTrainRow> rows;
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    const auto f = split_csv(line);
    const std::string where = path + ":" + std::to_string(n);
    if (f.size() != header.size()) {
      throw CatalogError(where + ": " + std::to_string(f.size()) + " fields, the header has " +
                         std::to_string(header.size()));
    }
    TimeToTrainRow r;
    r.round = f[c_round];
    r.submitter = f[c_sub];
    r.system = f[c_sys];
    r.device = f[c_dev];
    r.benchmark = f[c_bench];
    r.gpus = static_cast<int>(csv_number(f[c_gpus], where, "gpus"));
    r.global_batch = static_cast<int>(csv_number(f[c_batch], where, "global_batch_size"));
    r.measured_minutes = csv_number(f[c_min], where, "time_to_train_min");
    r.source = f[c_src];
    const Benchmark* b = benchmark(r.benchmark);
    if (b == nullptr) {
      r.excluded = "no model profile for this benchmark";
    } else if (*b->excluded != '\0') {
      r.excluded = b->excluded;
    } else if (!contains_mxnet(f[c_soft]) && !contains_mxnet(r.system)) {
      // Every ResNet-50 submission here runs NVIDIA's MXNet code but one PaddlePaddle port and
      // one whose log names no framework.
      r.excluded = "software without a stack in the catalog";
    }
    if (r.excluded.empty()) {
      const ModelProfile& model = catalog.model(b->model);
      r.stack = "mlperf-mxnet";
      const GpuPerformance perf = catalog.performance(r.device, r.stack);
      TrainingSetup t;
      t.precision = Precision::kFp16;  // every submission trains in mixed precision
      t.gpus_per_node = r.gpus;
      t.batch_per_gpu = r.global_batch / r.gpus;
      t.input_size = model.default_input;
      const TrainingStep step = training_step(perf, model, t);
      r.samples_per_second = step.samples_per_second;
      r.epochs = model.convergence->epochs_to_target(r.global_batch, b->dataset_samples);
      r.predicted_minutes = r.epochs * b->dataset_samples / step.samples_per_second / 60.0;
      r.rel_error = r.predicted_minutes / r.measured_minutes - 1.0;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace scalesim::hardware
