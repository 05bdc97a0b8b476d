// The scalesim command as users and scripts call it: exit codes, --json, determinism of the
// result hash, atomic output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace {

struct Result {
  int code;
  std::string out;
};

Result sh(const std::string& args) {
  const std::string cmd = std::string(SCALESIM_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) r.out += buf;
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string field(const std::string& json, const std::string& key) {
  std::smatch m;
  const std::regex re("\"" + key + "\":(\"[^\"]*\"|[^,}]*)");
  return std::regex_search(json, m, re) ? m[1].str() : "";
}

const std::string kExamples = std::string(SCALESIM_SOURCE_DIR) + "/configs/examples/";

TEST(Cli, HelpAndVersion) {
  auto r = sh("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("phold"), std::string::npos);
  r = sh("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("scalesim ", 0), 0u);
  EXPECT_EQ(sh("").code, 2);
  EXPECT_EQ(sh("frobnicate").code, 2);
  EXPECT_EQ(sh("phold --no-such-flag").code, 2);
}

TEST(Cli, PholdJsonHasRateAndIsDeterministic) {
  const std::string args = "phold --nlp 64 --start-events 2 --end 50 --json";
  const auto a = sh(args), b = sh(args), c = sh(args + " --queue heap"), d = sh(args + " --seed 2");
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_GT(std::stod(field(a.out, "events")), 0);
  EXPECT_GT(std::stod(field(a.out, "events_per_s")), 0);
  EXPECT_GT(std::stod(field(a.out, "wall_s")), 0);
  EXPECT_EQ(field(a.out, "result_hash"), field(b.out, "result_hash"));
  EXPECT_EQ(field(a.out, "result_hash"), field(c.out, "result_hash"));
  EXPECT_NE(field(a.out, "result_hash"), field(d.out, "result_hash"));
}

TEST(Cli, RunHashIsBitIdenticalForASeedAndDiffersAcrossSeeds) {
  const std::string cfg = kExamples + "tandem_router.yaml --json";
  const auto a = sh("run " + cfg), b = sh("run " + cfg), c = sh("run " + cfg + " --seed 99");
  ASSERT_EQ(a.code, 0) << a.out;
  ASSERT_FALSE(field(a.out, "result_hash").empty());
  EXPECT_EQ(field(a.out, "result_hash"), field(b.out, "result_hash"));
  EXPECT_EQ(field(a.out, "events"), field(b.out, "events"));
  EXPECT_NE(field(a.out, "result_hash"), field(c.out, "result_hash"));
}

TEST(Cli, OutputFileIsWrittenWholeAndMatchesStdout) {
  const auto dir = std::filesystem::temp_directory_path() / "scalesim_cli_test";
  std::filesystem::create_directories(dir);
  const auto out = dir / "mm1.json";
  std::filesystem::remove(out);
  const auto r = sh("run " + kExamples + "mm1.yaml --json -o " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(out);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(field(file, "result_hash"), field(r.out, "result_hash"));
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));
}

TEST(Cli, BadConfigExitsThreeWithLocationAndWritesNothing) {
  const auto dir = std::filesystem::temp_directory_path() / "scalesim_cli_test";
  std::filesystem::create_directories(dir);
  const auto cfg = dir / "bad.yaml";
  std::ofstream(cfg)
      << "components:\n  s:\n    type: source\n    arrivals: {process: poisson, rate: 5}\n"
         "    to: k\n  k: {type: sink}\n";
  const auto out = dir / "bad.json";
  std::filesystem::remove(out);
  const auto r = sh("run " + cfg.string() + " -o " + out.string());
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find(cfg.string() + ":4:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("has no unit"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(sh("run /nonexistent.yaml").code, 3);
}

TEST(Cli, EnsembleRefusesAnHdf5Output) {
  const auto r =
      sh("run " + kExamples + "mm1.yaml --replications 2 -o /tmp/scalesim_cli_test_ens.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("-o FILE.json"), std::string::npos) << r.out;  // also without HDF5 support
  EXPECT_FALSE(std::filesystem::exists("/tmp/scalesim_cli_test_ens.h5"));
}

TEST(Cli, UnwritableOutputExitsFourWithThePath) {
  const auto r = sh("run " + kExamples + "mm1.yaml -o /nonexistent-dir/x.json");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.out.find("/nonexistent-dir/x.json"), std::string::npos) << r.out;
}

}  // namespace

namespace {

const std::string kCatalog = " --catalog " + std::string(SCALESIM_SOURCE_DIR) + "/configs";

TEST(CliCatalog, InfoListsHardwareAndModels) {
  auto r = sh("info hardware" + kCatalog);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* name : {"V100-SXM2-16GB", "A100-SXM4-80GB", "A100-PCIe-40GB", "c5.2xlarge",
                           "pytorch-eager", "ampere"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  }
  r = sh("info models" + kCatalog);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* name : {"resnet50", "bert-large", "llama-7b", "KV 512 KiB/token"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  }
  r = sh("info models --json" + kCatalog);
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("\"resnet50\":{\"task\":\"image classification\",\"input_unit\":\"image\","
                       "\"default_input\":1,\"flops_per_sample\":8200000000,"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(sh("info").code, 2);
  EXPECT_EQ(sh("info gadgets").code, 2);
  r = sh("info hardware --catalog /nonexistent");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("catalog folder '/nonexistent/hardware' not found"), std::string::npos)
      << r.out;
}

TEST(CliCatalog, CalibrateReportsEveryPointAndRejectsBadFiles) {
  // Twenty shipped rows: the whole set refits 300-odd times, too slow for a sanitizer build
  // (gpu_calibration_tests and calibration.report cover it).
  const std::string some = testing::TempDir() + "/some_measurements.csv";
  {
    std::ifstream in(std::string(SCALESIM_SOURCE_DIR) + "/calibration/gpu_inference.csv");
    std::ofstream out(some);
    std::string line;
    for (int i = 0; i <= 20 && std::getline(in, line); ++i) out << line << "\n";
  }
  auto r = sh("calibrate " + some + " --json" + kCatalog);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(field(r.out, "points"), "20");
  EXPECT_NE(r.out.find("\"out_of_sample\":{\"point\":{\"folds\":"), std::string::npos);
  EXPECT_NE(r.out.find("\"out_of_sample_publication\":"), std::string::npos);
  // --check fails exactly when the out-of-sample targets are missed.
  const bool met = field(r.out, "targets_met") == "true";
  EXPECT_EQ(sh("calibrate " + some + " --check" + kCatalog).code, met ? 0 : 4);
  const std::string bad = testing::TempDir() + "/measurements.csv";
  std::ofstream(bad) << "device,model,input,precision,software,batch,metric,value,unit,source\n"
                        "H200,resnet50,224x224 image,fp16,TensorRT,1,mean_latency,1,ms,x\n";
  r = sh("calibrate " + bad + kCatalog);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("measurements.csv:2: unknown GPU 'H200'"), std::string::npos) << r.out;
}

}  // namespace
