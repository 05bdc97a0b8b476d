// The calibration data set, the fit and its cross-validation. The fidelity figures themselves
// are in docs/calibration.md (kept true by the calibration.report test).
#include "hardware/gpu/gpu_calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hardware/gpu/gpu_cross_validation.h"

namespace scalesim::hardware {
namespace {

std::vector<GpuMeasurement> measurements() {
  std::vector<GpuMeasurement> all;
  for (const char* f : {"/calibration/gpu_inference.csv", "/calibration/gpu_training.csv"}) {
    auto rows = read_gpu_measurements(std::string(SCALESIM_SOURCE_DIR) + f);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

TEST(GpuCalibration, TheDataSetSpansDevicesModelsAndPublications) {
  const auto data = measurements();
  std::set<std::string> devices, models, publications;
  bool pcie_a100 = false, multi_gpu = false;
  for (const auto& m : data) {
    devices.insert(m.device);
    models.insert(m.model);
    publications.insert(m.publication());
    pcie_a100 = pcie_a100 || m.device.starts_with("A100-PCIe");
    multi_gpu = multi_gpu || m.gpus == 8;
  }
  EXPECT_GE(data.size(), 80u);
  EXPECT_GE(devices.size(), 5u);
  EXPECT_GE(models.size(), 6u);
  EXPECT_GE(publications.size(), 5u);
  EXPECT_TRUE(pcie_a100);
  EXPECT_TRUE(multi_gpu);
}

// Measurements made by the model itself from known parameters: a fit must find them again, and
// every fold must predict its left-out points exactly.
TEST(GpuCrossValidation, RecoversAModelThatGeneratedTheData) {
  const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  auto data = measurements();
  data.resize(100);
  GpuFit truth = prior_fit(c);
  truth.common.fill_cycles = 2800;
  truth.common.memory_efficiency = 0.6;
  truth.common.max_efficiency = {0.8, 0.6, 0.55, 0.55, 0.45};
  for (auto& [stack, t] : truth.per_op_overhead) t = 30e-6;
  for (auto& m : data) m.value = predict(c, truth, m);
  const auto resolved = resolve(c, data);
  const FitReport fit = fit_gpu_model(resolved, prior_fit(c));
  EXPECT_LT(fit.rms_log_error, 1e-3);
  const CrossValidation cv = cross_validate(resolved, fit.fit, prior_fit(c), Grouping::kPoint);
  EXPECT_EQ(cv.folds, 100);
  EXPECT_LT(cv.worst_abs, 0.01);
}

// A publication whose figures are all off by 2x: in sample the fit splits the difference with
// the others; out of sample its points are predicted from the others alone, so their errors
// show the full factor. Nothing of the left-out group leaks into its own prediction.
TEST(GpuCrossValidation, ALeftOutPublicationIsPredictedWithoutItsOwnData) {
  const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  auto data = measurements();
  const std::string odd = data.front().publication();
  GpuFit truth = current_fit(c);
  for (auto& m : data) {
    m.value = predict(c, truth, m);
    if (m.publication() == odd) m.value *= 2.0;
  }
  const auto resolved = resolve(c, data);
  const FitReport fit = fit_gpu_model(resolved, prior_fit(c));
  const CrossValidation cv =
      cross_validate(resolved, fit.fit, prior_fit(c), Grouping::kPublication);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i].publication() != odd) continue;
    // Latencies doubled are predicted at half; throughputs doubled at half, too.
    EXPECT_NEAR(cv.out_of_sample[i], -0.5, 0.05) << data[i].where();
    const double in_sample = (predict(resolved[i], fit.fit) - data[i].value) / data[i].value;
    EXPECT_GT(in_sample, cv.out_of_sample[i]) << data[i].where();
  }
}

TEST(GpuCrossValidation, GroupsAreWhatTheirNamesSay) {
  GpuMeasurement m;
  m.file = "f.csv";
  m.line = 7;
  m.device = "T4";
  m.model = "resnet50";
  m.source =
      "mlcommons/inference_results_v0.7@31060d5 closed/NVIDIA/results/T4x1_TRT/resnet50/Offline/"
      "performance/run_1/mlperf_log_summary.txt (MLPerf Inference v0.7)";
  EXPECT_EQ(group_of(m, Grouping::kPublication), "mlcommons/inference_results_v0.7 closed/NVIDIA");
  EXPECT_EQ(group_of(m, Grouping::kDevice), "T4");
  EXPECT_EQ(group_of(m, Grouping::kModel), "resnet50");
  EXPECT_EQ(group_of(m, Grouping::kPoint), "f.csv:7");
  m.source = "NVIDIA/TensorRT@5094c1d demo/BERT/README.md, table 'x'";
  EXPECT_EQ(m.publication(), "NVIDIA/TensorRT demo/BERT/README.md");
}

TEST(GpuCalibration, RefitFromTheCatalogDoesNotMoveMuch) {
  // The stored parameters are a fit: fitting again from them must not find a much better one.
  const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  const auto data = measurements();
  double stored = 0;
  const GpuFit current = current_fit(c);
  for (const auto& m : data) {
    const double r = std::log(predict(c, current, m) / m.value);
    stored += r * r;
  }
  stored = std::sqrt(stored / static_cast<double>(data.size()));
  const FitReport refit = fit_gpu_model(c, data);
  // The stored file rounds each parameter to four digits.
  EXPECT_NEAR(refit.rms_log_error, stored, 0.01 * stored);
  // Deterministic: the same fit twice.
  EXPECT_EQ(fit_gpu_model(c, data).rms_log_error, refit.rms_log_error);
}

TEST(GpuCalibration, MalformedRowsNameFileAndLine) {
  const std::string path = testing::TempDir() + "/bad.csv";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(
        "device,model,input,precision,software,batch,metric,value,unit,source\n"
        "V100-SXM2-16GB,resnet50,224x224 image,fp32,PyTorch,1,mean_latency,ten,ms,x\n",
        f);
    std::fclose(f);
  }
  try {
    (void)read_gpu_measurements(path);
    FAIL();
  } catch (const CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2: column 'value'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace scalesim::hardware
