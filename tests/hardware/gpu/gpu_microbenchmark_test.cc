// Reading a GPU microbenchmark file and the model's predictions for its cases
// (hardware/gpu/gpu_microbenchmark.h), on a small file written here.
#include "hardware/gpu/gpu_microbenchmark.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "hardware/gpu/gpu_performance.h"

namespace scalesim::hardware {
namespace {

const Catalog& shipped_catalog() {
  static const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  return c;
}

std::string write_microbench_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

constexpr const char* kHeader =
    "device,kind,name,precision,m,n,k,batch,flops,bytes,seconds,seconds_min,seconds_max,value,"
    "unit,note\n";

TEST(GpuMicrobenchmark, PredictsEachCaseThroughTheRoofline) {
  const std::string path = write_microbench_file(
      "scalesim_microbench_ok.csv",
      std::string("# device: Test GPU\n# catalog_gpu: H100-SXM5-80GB\n") + kHeader +
          // 8192^3 bf16 GEMM: compute-bound, near the fitted peak efficiency.
          "G,gemm,big,bf16,8192,8192,8192,1,1.09951e+12,4.02653e+08,0.0014,0.0014,0.0015,785,"
          "TFLOP/s,\n"
          // 1 token: memory-bound (weights only).
          "G,gemm,small,bf16,4096,1,4096,1,3.35544e+07,3.3563e+07,2e-05,2e-05,2e-05,1.68,"
          "TFLOP/s,\n"
          "G,stream,copy,fp32,0,0,0,1,0,2.14748e+09,0.00072,0.00072,0.00073,2982,GB/s,\n"
          "G,launch,\"empty kernel, back to back on one stream\",-,0,0,0,1,0,0,2.5e-06,2.4e-06,"
          "2.6e-06,2.5,us,\n"
          "G,launch,\"empty kernel, launch and "
          "synchronise\",-,0,0,0,1,0,0,9e-06,8e-06,1e-05,9,us,\n"
          "G,copy,\"host to device, pinned, 1024 MiB\",-,0,0,0,1,0,1.07374e+09,0.02,0.02,0.02,"
          "53.7,GB/s,\n"
          "G,gemm,fp8,fp8,8192,8192,8192,1,1.09951e+12,2.68e+08,0.0008,0.0008,0.0008,1370,"
          "TFLOP/s,\n");
  const MicrobenchFile f = read_microbenchmark(path);
  EXPECT_EQ(f.meta_value("device"), "Test GPU");
  ASSERT_EQ(f.cases.size(), 7u);
  const auto rows = compare_microbenchmark(shipped_catalog(), f);
  ASSERT_EQ(rows.size(), 7u);

  const GpuSpec gpu = shipped_catalog().gpu_or_mig("H100-SXM5-80GB");
  const ArchitectureEfficiency eff = shipped_catalog().efficiency(gpu.architecture);
  const double peak = gpu.peak(Precision::kBf16) / 1e12;
  // A big GEMM reaches almost e_max of peak, never more.
  ASSERT_TRUE(rows[0].predicted);
  const double e_max = eff.max_efficiency[index_of(Precision::kBf16)];
  EXPECT_LT(*rows[0].predicted, peak * e_max);
  EXPECT_GT(*rows[0].predicted, 0.95 * peak * e_max);
  // One token: the weights stream from HBM, so the rate is bytes-bound, far below peak.
  ASSERT_TRUE(rows[1].predicted);
  const double t1 = eff.kernel_launch + 3.3563e+07 / (gpu.hbm_bandwidth * eff.stream_efficiency);
  EXPECT_NEAR(*rows[1].predicted, 3.35544e+07 / t1 / 1e12, 1e-9);
  // Streaming: the achieved HBM bandwidth, less the launch.
  ASSERT_TRUE(rows[2].predicted);
  const double t2 = eff.kernel_launch + 2.14748e+09 / (gpu.hbm_bandwidth * eff.stream_efficiency);
  EXPECT_NEAR(*rows[2].predicted, 2.14748e+09 / t2 / 1e9, 1e-6);
  EXPECT_LT(*rows[2].predicted, gpu.hbm_bandwidth / 1e9);
  // Launch back to back is the model's kernel launch; launch-and-wait is not a model term.
  ASSERT_TRUE(rows[3].predicted);
  EXPECT_NEAR(*rows[3].predicted, eff.kernel_launch * 1e6, 1e-9);
  EXPECT_FALSE(rows[4].predicted);
  // Pinned host copies: the catalog's host link.
  ASSERT_TRUE(rows[5].predicted);
  EXPECT_DOUBLE_EQ(*rows[5].predicted, gpu.host_link_bandwidth / 1e9);
  // FP8 at Hopper's 8-bit tensor-core rate, with INT8's efficiency (no FP8 fit of its own).
  ASSERT_TRUE(rows[6].predicted);
  const double e8 = eff.max_efficiency[index_of(Precision::kFp8)];
  EXPECT_EQ(e8, eff.max_efficiency[index_of(Precision::kInt8)]);
  EXPECT_LT(*rows[6].predicted, gpu.peak(Precision::kFp8) / 1e12 * e8);
  EXPECT_GT(*rows[6].predicted, 0.95 * gpu.peak(Precision::kFp8) / 1e12 * e8);
  EXPECT_NEAR(rows[2].rel_error(), (*rows[2].predicted - 2982) / 2982, 1e-12);
  std::filesystem::remove(path);
}

TEST(GpuMicrobenchmark, BadFilesNameFileLineAndColumn) {
  const std::string bad_number = write_microbench_file(
      "scalesim_microbench_bad.csv", std::string("# catalog_gpu: H100-SXM5-80GB\n") + kHeader +
                                         "G,gemm,x,bf16,8,8,8,1,1024,384,abc,1,1,1,TFLOP/s,\n");
  try {
    (void)read_microbenchmark(bad_number);
    FAIL() << "expected an error";
  } catch (const CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("scalesim_microbench_bad.csv:3: column 'seconds'"),
              std::string::npos)
        << e.what();
  }
  const std::string bad_unit = write_microbench_file(
      "scalesim_microbench_unit.csv",
      std::string(kHeader) + "G,gemm,x,bf16,8,8,8,1,1024,384,1e-6,1,1,1,furlongs,\n");
  EXPECT_THROW((void)read_microbenchmark(bad_unit), CatalogError);
  // No catalog GPU named: the comparison says what is missing.
  const MicrobenchFile f = read_microbenchmark(write_microbench_file(
      "scalesim_microbench_nogpu.csv",
      std::string(kHeader) + "G,stream,copy,fp32,0,0,0,1,0,1e9,1e-3,1e-3,1e-3,1000,GB/s,\n"));
  try {
    (void)compare_microbenchmark(shipped_catalog(), f);
    FAIL() << "expected an error";
  } catch (const CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("catalog_gpu"), std::string::npos) << e.what();
  }
  for (const char* n : {"scalesim_microbench_bad.csv", "scalesim_microbench_unit.csv",
                        "scalesim_microbench_nogpu.csv"}) {
    std::filesystem::remove(std::filesystem::temp_directory_path() / n);
  }
}

}  // namespace
}  // namespace scalesim::hardware
