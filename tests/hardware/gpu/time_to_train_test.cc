// Convergence curves (epochs to a quality target by global batch size) and the prediction of
// published MLPerf Training times to train from them and the training model.
#include "hardware/gpu/time_to_train.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "hardware/catalog/catalog.h"
#include "hardware/gpu/calibration_csv.h"
#include "hardware/gpu/convergence.h"

namespace scalesim::hardware {
namespace {

const std::string kSource = SCALESIM_SOURCE_DIR;

const Catalog& catalog() {
  static const Catalog c = Catalog::load(kSource + "/configs");
  return c;
}

TEST(Convergence, InterpolatesBetweenReferencePointsAsTheRcpCheckerDoes) {
  ConvergenceCurve c;
  c.benchmark = "toy";
  c.points = {{100, 10}, {200, 20}, {400, 30}};
  EXPECT_DOUBLE_EQ(c.to_target(100), 10);  // a reference point
  EXPECT_DOUBLE_EQ(c.to_target(150), 15);  // linear between neighbours
  EXPECT_DOUBLE_EQ(c.to_target(300), 25);
  EXPECT_DOUBLE_EQ(c.to_target(400), 30);
  EXPECT_DOUBLE_EQ(c.to_target(20), 10);  // below the smallest: that point's value
  EXPECT_THROW((void)c.to_target(401), std::out_of_range);  // no reference above the largest
  c.in_samples = true;
  EXPECT_DOUBLE_EQ(c.epochs_to_target(150, 5), 3);  // samples over the dataset
}

TEST(Convergence, BadPointsAreConfigErrorsAtTheirLine) {
  const auto node = ConfigNode::load_string(
      "benchmark: toy\nunit: epochs\npoints: {100: 10, big: 20}\nsource: here\n", "c.yaml");
  try {
    (void)ConvergenceCurve::from_config(node);
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("c.yaml:3:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'big' is not a global batch size"), std::string::npos) << msg;
  }
  EXPECT_THROW((void)ConvergenceCurve::from_config(ConfigNode::load_string(
                   "benchmark: toy\nunit: weeks\npoints: {1: 1}\nsource: x\n")),
               ConfigError);
}

// The newest reference set of each benchmark in calibration/mlperf_rcp_<benchmark>.csv.
std::map<double, double> newest_rcps(const std::string& benchmark) {
  std::ifstream in(kSource + "/calibration/mlperf_rcp_" + benchmark + ".csv");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv(line);
  auto col = [&](const char* n) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), n) - header.begin());
  };
  std::map<std::string, std::map<double, double>> by_version;
  while (std::getline(in, line)) {
    const auto f = split_csv(line);
    by_version[f[col("rcp_version")]][std::stod(f[col("global_batch_size")])] =
        std::stod(f[col("epochs_or_samples_mean")]);
  }
  EXPECT_FALSE(by_version.empty()) << benchmark;
  return by_version.rbegin()->second;  // versions 1.0.0 ... 3.0.0 sort as text
}

TEST(Convergence, ModelProfilesCarryTheNewestReferencePoints) {
  for (const auto& [model, benchmark] :
       std::map<std::string, std::string>{{"resnet50", "resnet"}, {"bert-large", "bert"}}) {
    const auto& curve = catalog().model(model).convergence;
    ASSERT_TRUE(curve.has_value()) << model;
    const auto rcps = newest_rcps(benchmark);
    ASSERT_EQ(curve->points.size(), rcps.size()) << model;
    for (const auto& [batch, mean] : curve->points) {
      ASSERT_TRUE(rcps.count(batch)) << model << " batch " << batch;
      EXPECT_NEAR(mean / rcps.at(batch), 1.0, 1e-5) << model << " batch " << batch;
    }
  }
}

const TimeToTrainRow& find_row(const std::vector<TimeToTrainRow>& rows, const std::string& round,
                               const std::string& system, const std::string& benchmark) {
  const auto it = std::find_if(rows.begin(), rows.end(), [&](const TimeToTrainRow& r) {
    return r.round == round && r.system == system && r.benchmark == benchmark;
  });
  if (it == rows.end()) throw std::runtime_error("no row " + round + " " + system);
  return *it;
}

// Two published results, neither fitted: the throughput model never saw an MLPerf Training
// figure, and the convergence points come from the reference runs, not the submissions.
TEST(TimeToTrain, TwoMlperfTrainingResultsReproducedOutOfSample) {
  const auto rows =
      predict_mlperf_time_to_train(catalog(), kSource + "/calibration/mlperf_training_results.csv");
  // NVIDIA DGX A100 (8 x A100-SXM4-80GB), MLPerf Training v2.0 ResNet-50: 28.685 minutes.
  const auto& dgx = find_row(rows, "v2.0", "dgxa100_ngc22.04_mxnet", "resnet");
  ASSERT_TRUE(dgx.excluded.empty()) << dgx.excluded;
  EXPECT_NEAR(dgx.measured_minutes, 28.685, 1e-9);
  EXPECT_LT(std::abs(dgx.rel_error), 0.10) << dgx.predicted_minutes;
  // Lenovo SR670 V2 (8 x A100-PCIe-80GB at 300 W), v1.1 ResNet-50: 32.302 minutes.
  const auto& pcie = find_row(rows, "v1.1", "SR670v2_8xA100-PCIe-80GB-300W", "resnet");
  ASSERT_TRUE(pcie.excluded.empty()) << pcie.excluded;
  EXPECT_LT(std::abs(pcie.rel_error), 0.10) << pcie.predicted_minutes;
  // The PCIe cards are slower, as measured: power cap and all-reduce over PCIe.
  EXPECT_GT(pcie.predicted_minutes, dgx.predicted_minutes * 1.05);
  // At batch 3264 the reference runs need 35.15 epochs.
  EXPECT_NEAR(dgx.epochs, 35.1538, 1e-3);

  std::vector<double> errors;
  for (const auto& r : rows) {
    if (r.excluded.empty()) errors.push_back(std::abs(r.rel_error));
  }
  ASSERT_GE(errors.size(), 30u);
  std::sort(errors.begin(), errors.end());
  EXPECT_LT(errors[errors.size() / 2], 0.10);  // median over every predicted result
  EXPECT_LT(errors.back(), 0.25);              // worst
}

TEST(TimeToTrain, MalformedResultRowNamesItsLine) {
  const std::string path = ::testing::TempDir() + "/ttt_bad.csv";
  {
    std::ofstream out(path);
    out << "round,submitter,system,device,gpus,benchmark,global_batch_size,time_to_train_min,"
           "software,source\n"
        << "v1.0,X,sys,A100-SXM4-80GB,8,resnet,3264,many,mxnet,here\n";
  }
  try {
    (void)predict_mlperf_time_to_train(catalog(), path);
    FAIL();
  } catch (const CatalogError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ttt_bad.csv:2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("time_to_train_min"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace scalesim::hardware
