// The catalog: every shipped file loads, names resolve with "did you mean", bad entries fail
// with file:line.
#include "hardware/catalog/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace scalesim::hardware {
namespace {

namespace fs = std::filesystem;

std::string shipped() {
  return std::string(SCALESIM_SOURCE_DIR) + "/configs";
}

// A throwaway catalog folder: the shipped one with one file replaced or added.
class ScratchCatalog {
 public:
  ScratchCatalog()
      : dir_(fs::temp_directory_path() / ("scalesim-catalog-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(shipped() + "/hardware", dir_ / "hardware", fs::copy_options::recursive);
    fs::copy(shipped() + "/models", dir_ / "models", fs::copy_options::recursive);
  }
  ~ScratchCatalog() { fs::remove_all(dir_); }
  ScratchCatalog(const ScratchCatalog&) = delete;
  ScratchCatalog& operator=(const ScratchCatalog&) = delete;
  void write(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
};

std::string load_error(const std::string& dir) {
  try {
    (void)Catalog::load(dir);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Catalog, ShippedCatalogLoadsEverything) {
  const Catalog c = Catalog::load(shipped());
  for (const char* g : {"V100-SXM2-16GB", "V100-SXM2-32GB", "V100-PCIe-16GB", "A100-SXM4-40GB",
                        "A100-SXM4-80GB", "A100-PCIe-40GB", "A100-PCIe-80GB"}) {
    const GpuSpec& spec = c.gpu(g);
    EXPECT_FALSE(spec.source.empty()) << g;
    EXPECT_GT(spec.price_per_hour, 0) << g;
  }
  for (const char* m : {"resnet50", "bert-base", "bert-large", "distilbert", "wav2vec2-base",
                        "dlrm", "gbt", "mlp-small", "llama-7b"}) {
    EXPECT_FALSE(c.model(m).source.empty()) << m;
  }
  EXPECT_GE(c.cpus().size(), 3u);
  // Datasheet figures as loaded.
  EXPECT_DOUBLE_EQ(c.gpu("A100-SXM4-80GB").hbm_bandwidth, 2039e9);
  EXPECT_DOUBLE_EQ(c.gpu("V100-SXM2-16GB").peak(Precision::kFp16), 125e12);
  EXPECT_DOUBLE_EQ(c.gpu("A100-SXM4-40GB").memory_bytes, 40.0 * (1ull << 30));
  // FLOPs per sample match calibration/gpu_specs.md: BERT-base 22 at 128 tokens, BERT-large 79
  // at 128 and 246 at 384, ResNet-50 8.2 (within 2%).
  EXPECT_NEAR(c.model("bert-base").flops_per_sample(128), 22e9, 0.02 * 22e9);
  EXPECT_NEAR(c.model("bert-large").flops_per_sample(128), 79e9, 0.02 * 79e9);
  EXPECT_NEAR(c.model("bert-large").flops_per_sample(384), 246e9, 0.02 * 246e9);
  EXPECT_DOUBLE_EQ(c.model("resnet50").flops_per_sample(1), 8.2e9);
}

TEST(Catalog, UnknownNamesSuggestTheClosest) {
  const Catalog c = Catalog::load(shipped());
  try {
    (void)c.gpu("A100-SXM4-80G");
    FAIL();
  } catch (const CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'A100-SXM4-80GB'"), std::string::npos)
        << e.what();
  }
  try {
    (void)c.model("resnet-50");
    FAIL();
  } catch (const CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'resnet50'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.stack_for_software("TensorRT 7.1.3").name, "tensorrt");
  EXPECT_EQ(c.stack_for_software("PyTorch eager (DeepLearningExamples)").name, "pytorch-eager");
  EXPECT_THROW((void)c.stack_for_software("ONNX Runtime"), CatalogError);
}

TEST(Catalog, BadEntriesFailWithFileAndLine) {
  ScratchCatalog s;
  s.write("hardware/extra.yaml",
          "gpus:\n  H1:\n    architecture: ampere\n    peak_tflops: {fp32: 10}\n"
          "    memory: 16GiB\n    hbm_bandwidth: 900GB/s\n    gpu_link_bandwith: 10GB/s\n");
  const std::string e1 = load_error(s.dir());
  EXPECT_NE(e1.find("extra.yaml:7:"), std::string::npos) << e1;
  EXPECT_NE(e1.find("did you mean 'gpu_link_bandwidth'"), std::string::npos) << e1;

  s.write("hardware/extra.yaml",
          "gpus:\n  H1:\n    architecture: ampere\n    peak_tflops: {fp32: 10}\n"
          "    memory: 16\n    hbm_bandwidth: 900GB/s\n    gpu_link_bandwidth: 10GB/s\n"
          "    host_link_bandwidth: 10GB/s\n    tdp_watts: 100\n    boost_clock_mhz: 1000\n    "
          "price_per_hour: 1\n"
          "    source: x\n");
  const std::string e2 = load_error(s.dir());
  EXPECT_NE(e2.find("extra.yaml:5:"), std::string::npos) << e2;
  EXPECT_NE(e2.find("has no unit"), std::string::npos) << e2;

  s.write("hardware/extra.yaml",
          "gpus:\n  V100-SXM2-16GB:\n    architecture: volta\n    peak_tflops: {fp32: 10}\n"
          "    memory: 16GiB\n    hbm_bandwidth: 900GB/s\n    gpu_link_bandwidth: 10GB/s\n"
          "    host_link_bandwidth: 10GB/s\n    tdp_watts: 100\n    boost_clock_mhz: 1000\n    "
          "price_per_hour: 1\n"
          "    source: x\n");
  EXPECT_NE(load_error(s.dir()).find("defined twice"), std::string::npos);

  s.write("hardware/extra.yaml",
          "gpus:\n  H2:\n    architecture: blackwell\n    peak_tflops: {fp32: 10}\n"
          "    memory: 16GiB\n    hbm_bandwidth: 900GB/s\n    gpu_link_bandwidth: 10GB/s\n"
          "    host_link_bandwidth: 10GB/s\n    tdp_watts: 100\n    boost_clock_mhz: 1000\n    "
          "price_per_hour: 1\n"
          "    source: x\n");
  EXPECT_NE(load_error(s.dir()).find("architecture 'blackwell' but no efficiencies"),
            std::string::npos);

  s.write("hardware/extra.yaml", "gpu:\n  H3: {}\n");
  const std::string e5 = load_error(s.dir());
  EXPECT_NE(e5.find("did you mean 'gpus'"), std::string::npos) << e5;
}

TEST(Catalog, BadModelProfileFailsAtItsKey) {
  ScratchCatalog s;
  s.write("models/extra.yaml",
          "models:\n  tiny:\n    task: t\n    input_unit: sample\n    default_input: 1\n"
          "    flops: {fixed: -5}\n    parameters: 10\n    kernels: 1\n    source: x\n");
  const std::string e = load_error(s.dir());
  EXPECT_NE(e.find("extra.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("may not be negative"), std::string::npos) << e;
}

}  // namespace
}  // namespace scalesim::hardware
