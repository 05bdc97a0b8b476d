// The MLPerf server-scenario replay: the capacity search brackets a known threshold within its
// tolerance, and the whole replay (CSV row -> model_server topology -> simulated p99 -> search)
// finds the M/D/1 rate whose exact p99 sojourn (Crommelin's waiting-time distribution) meets
// the bound; bad rows name file, line and column.
#include "models/serving/mlperf_server.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "hardware/gpu/gpu_calibration.h"
#include "models/patterns/capacity_search.h"

namespace scalesim {
namespace {

TEST(CapacitySearchTest, BracketsAThresholdWithinTheTolerance) {
  for (const double start : {10.0, 1234.0, 1e6}) {
    int runs = 0;
    const CapacityResult r = search_capacity(start, 0.01, 40, [&](double rate) {
      ++runs;
      CapacityTrial t;
      t.rate = rate;
      t.met = rate <= 1234.5;
      return t;
    });
    EXPECT_TRUE(r.converged) << start;
    EXPECT_LE(r.capacity, 1234.5) << start;
    EXPECT_GT(r.first_missed, 1234.5) << start;
    EXPECT_LE(r.first_missed / r.capacity, 1.01) << start;
    EXPECT_EQ(static_cast<int>(r.trials.size()), runs);
  }
  // Out of trials before a bracket: not converged, and never more trials than allowed.
  const CapacityResult capped = search_capacity(1.0, 0.01, 3, [](double rate) {
    return CapacityTrial{rate, true, {}};
  });
  EXPECT_FALSE(capped.converged);
  EXPECT_EQ(capped.trials.size(), 3u);
  EXPECT_EQ(capped.capacity, 4.0);
  EXPECT_THROW(search_capacity(1.0, 1.5, 10,
                               [](double r) {
                                 return CapacityTrial{r, true, {}};
                               }),
               std::invalid_argument);
}

// M/D/1 waiting time: P(W <= t) = (1 - rho) sum_{k=0}^{floor(t/D)} (lambda (kD - t))^k / k!
// e^{-lambda (kD - t)} (Erlang 1909; Crommelin 1932).
double md1_wait_cdf(double lambda, double d, double t) {
  const double rho = lambda * d;
  double sum = 0;
  for (int k = 0; k <= static_cast<int>(std::floor(t / d)); ++k) {
    const double x = lambda * (k * d - t);
    sum += std::pow(x, k) / std::tgamma(k + 1.0) * std::exp(-x);
  }
  return (1 - rho) * sum;
}

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    path =
        std::filesystem::temp_directory_path() /
        ("mlperf_server_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".csv");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

const char* kHeader =
    "device,gpus,model,input,precision,software,gpu_batch_size,gpu_inference_streams,"
    "deque_timeout_us,latency_bound_ms,scheduled_samples_per_s,p99_latency_ms,source,"
    "config_source\n";

TEST(MlperfServerTest, OneGpuAtBatchOneIsTheExactMd1Capacity) {
  const auto catalog = hardware::Catalog::load(hardware::Catalog::default_dir());
  // Batch 1, one stream, no batching delay: an M/D/1 queue whose service time is the GPU model's
  // batch-1 latency of ResNet-50 on a T4. Bound: 8 service times.
  const double d = catalog.performance("T4", "tensorrt")
                       .batch_latency(catalog.model("resnet50"), 1, 1, hardware::Precision::kInt8)
                       .total;
  const double d_ns = std::round(d * 1e9) * 1e-9;  // the simulator's clock is in nanoseconds
  const double bound = 8 * d_ns;
  // The exact rate whose p99 sojourn (wait + D) equals the bound.
  double lo = 0.01 / d_ns, hi = 0.999 / d_ns;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (md1_wait_cdf(mid, d_ns, bound - d_ns) >= 0.99 ? lo : hi) = mid;
  }
  char row[512];
  std::snprintf(row, sizeof row,
                "T4,1,resnet50,224x224 image,int8,tensorrt,1,1,0,%.9f,1000,5,"
                "test/repo@0 closed/Test/results/x,test\n",
                bound * 1e3);
  const TempFile file(std::string(kHeader) + row);
  MlperfServerOptions options;
  options.requests = 400000;  // p99 from 4,000 tail samples
  options.warmup = 20000;
  options.tolerance = 0.005;
  const MlperfServerReplay replay =
      replay_mlperf_server(file.path.string(), catalog, nullptr, options);
  ASSERT_EQ(replay.points.size(), 1u);
  const auto& p = replay.points[0];
  // Tolerance: the p99 of 400,000 correlated sojourns and the search's 0.5% bracket; the
  // capacity is a steep function of the p99 near rho = 0.73 (d rate / rate ~ 0.2 d p99 / p99).
  EXPECT_NEAR(p.in_sample / lo, 1.0, 0.02) << "exact " << lo << "/s, D = " << d_ns << " s";
  EXPECT_LT(p.p99_at_capacity_s, bound);
  EXPECT_EQ(p.out_of_sample, 0.0);  // no cross-validation given
  // Same seed, same answer.
  EXPECT_EQ(replay_mlperf_server(file.path.string(), catalog, nullptr, options).points[0].in_sample,
            p.in_sample);
}

TEST(MlperfServerTest, PoolingAndBatchingRaiseTheCapacity) {
  const auto catalog = hardware::Catalog::load(hardware::Catalog::default_dir());
  const TempFile file(std::string(kHeader) +
                      "A100-SXM4-40GB,1,resnet50,224x224 image,int8,tensorrt,1,1,0,15,1,10,"
                      "r@0 closed/A/results/x,c\n"
                      "A100-SXM4-40GB,1,resnet50,224x224 image,int8,tensorrt,64,2,2000,15,1,10,"
                      "r@0 closed/A/results/x,c\n"
                      "A100-SXM4-40GB,4,resnet50,224x224 image,int8,tensorrt,64,2,2000,15,1,10,"
                      "r@0 closed/A/results/x,c\n");
  MlperfServerOptions options;
  options.requests = 40000;
  const auto r = replay_mlperf_server(file.path.string(), catalog, nullptr, options);
  ASSERT_EQ(r.points.size(), 3u);
  EXPECT_GT(r.points[1].in_sample, 3 * r.points[0].in_sample);  // batches of up to 64
  // One queue over 4 GPUs: at least 4 times one GPU (pooling), at most what 4 GPUs can do
  // back to back at the largest batch.
  EXPECT_GE(r.points[2].in_sample, 3.9 * r.points[1].in_sample);
  const double full =
      catalog.performance("A100-SXM4-40GB", "tensorrt")
          .batch_latency(catalog.model("resnet50"), 64, 1, hardware::Precision::kInt8)
          .total;
  EXPECT_LT(r.points[2].in_sample, 4 * 2 * 64 / full);
  for (const auto& p : r.points) EXPECT_LT(p.p99_at_capacity_s, 0.015) << p.label;
}

TEST(MlperfServerTest, TheFoldThatLeftThePublicationOutPricesTheOutOfSampleColumn) {
  const auto catalog = hardware::Catalog::load(hardware::Catalog::default_dir());
  const TempFile file(std::string(kHeader) +
                      "A100-SXM4-40GB,1,resnet50,224x224 image,int8,tensorrt,64,2,2000,15,1,10,"
                      "mlcommons/results@0 closed/Sub/results/x,c\n");
  // A fold whose GPUs reach only half the int8 efficiency, for that publication only.
  hardware::CrossValidation cv;
  hardware::GpuFit slow = hardware::current_fit(catalog);
  slow.common.max_efficiency[hardware::index_of(hardware::Precision::kInt8)] *= 0.5;
  cv.fold_fits.emplace_back("mlcommons/results closed/Other", hardware::current_fit(catalog));
  cv.fold_fits.emplace_back("mlcommons/results closed/Sub", slow);
  MlperfServerOptions options;
  options.requests = 30000;
  const auto r = replay_mlperf_server(file.path.string(), catalog, &cv, options);
  ASSERT_EQ(r.points.size(), 1u);
  EXPECT_EQ(r.points[0].publication, "mlcommons/results closed/Sub");
  EXPECT_LT(r.points[0].out_of_sample, 0.8 * r.points[0].in_sample);
  EXPECT_GT(r.points[0].out_of_sample, 0.3 * r.points[0].in_sample);
}

TEST(MlperfServerTest, EveryShippedResultReplays) {
  // calibration/mlperf_server.csv: each row a VALID Server result with its benchmark's bound
  // (ResNet-50 15 ms, BERT-99 130 ms), cited to the summary log and the config it ran.
  const auto catalog = hardware::Catalog::load(hardware::Catalog::default_dir());
  MlperfServerOptions options;
  options.requests = 20000;
  options.warmup = 2000;
  options.tolerance = 0.02;
  const auto r =
      replay_mlperf_server(std::string(SCALESIM_SOURCE_DIR) + "/calibration/mlperf_server.csv",
                           catalog, nullptr, options);
  ASSERT_GE(r.points.size(), 20u);
  for (const auto& p : r.points) {
    EXPECT_EQ(p.bound_s, p.model == "resnet50" ? 0.015 : 0.130) << p.label;
    EXPECT_NE(p.source.find("mlcommons/inference_results_v"), std::string::npos) << p.label;
    EXPECT_NE(p.source.find("/Server/performance/"), std::string::npos) << p.label;
    EXPECT_FALSE(p.config_source.empty()) << p.label;
    EXPECT_LE(p.measured_p99_s, p.bound_s) << p.label;  // a VALID run met its bound
    EXPECT_GT(p.in_sample, 0) << p.label;
    EXPECT_LT(p.p99_at_capacity_s, p.bound_s) << p.label;
  }
}

TEST(MlperfServerTest, BadRowsNameFileLineAndColumn) {
  const auto catalog = hardware::Catalog::load(hardware::Catalog::default_dir());
  const auto fails_with = [&](const std::string& text, const std::string& what) {
    const TempFile file(text);
    try {
      replay_mlperf_server(file.path.string(), catalog, nullptr);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const hardware::CatalogError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file.path.string()), std::string::npos) << e.what();
    }
  };
  fails_with("device,gpus\nT4,1\n", ":1: missing column 'model'");
  fails_with(std::string(kHeader) + "T4,1,resnet50,224x224 image,int8,tensorrt,0,1,0,15,1,10,s,c\n",
             ":2: column 'gpu_batch_size'");
  fails_with(std::string(kHeader) + "T9,1,resnet50,224x224 image,int8,tensorrt,1,1,0,15,1,10,s,c\n",
             ":2: ");
  fails_with(std::string(kHeader) + "T4,1,resnet50,1 image,int8,tensorrt,1,1,0,15,1,10,s,c\n",
             "no input named '1 image'");
  fails_with(std::string(kHeader) + "T4,1,resnet50,224x224 image,int3,tensorrt,1,1,0,15,1,10,s,c\n",
             ":2: column 'precision'");
  fails_with(
      std::string(kHeader) + "T4,1,resnet50,224x224 image,int8,tensorrt,1,1,0,-15,1,10,s,c\n",
      ":2: column 'latency_bound_ms'");
}

}  // namespace
}  // namespace scalesim
