// The GPU model against every published measurement in calibration/: the targets,
// every point within 15% and the median within 7%; and the fit reproduces the catalog.
#include "hardware/gpu/gpu_calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

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

TEST(GpuCalibration, EveryPointWithin15PercentMedianWithin7) {
  const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  const auto data = measurements();
  ASSERT_EQ(data.size(), 17u);  // 11 inference + 6 training rows
  const auto rows = compare_gpu(c, data, 0.15);
  std::vector<double> errors;
  for (const auto& r : rows) {
    EXPECT_TRUE(r.within) << r.scenario << " " << r.metric << ": measured " << r.measured
                          << ", modelled " << r.modelled;
    errors.push_back(std::abs(r.rel_error));
  }
  std::sort(errors.begin(), errors.end());
  EXPECT_LE(errors[errors.size() / 2], 0.07);
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
  EXPECT_LE(refit.rms_log_error, stored + 1e-9);
  EXPECT_GT(refit.rms_log_error, 0.9 * stored);
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
