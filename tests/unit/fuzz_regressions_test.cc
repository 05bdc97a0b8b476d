// Inputs the fuzz targets in tests/fuzz/ found, kept as unit tests: each was a crash, an
// exception other than the documented error type, or undefined behaviour.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "hardware/gpu/gpu_calibration.h"
#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"
#include "scalesim/config/units.h"

namespace scalesim {
namespace {

// The message of the ConfigError that building `yaml` raises ("" if none is raised).
std::string config_error(const std::string& yaml) {
  try {
    (void)QueueingNetwork::from_config(ConfigNode::load_string(yaml, "net.yaml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// units_fuzz: a finite number times its unit's scale overflowed to infinity and was returned.
TEST(FuzzRegressions, QuantitiesTooLargeForADoubleAreUnitErrors) {
  for (const char* text : {"1e300TB", "1.7e308TiB"}) {
    EXPECT_THROW((void)parse_bytes(text), UnitError) << text;
  }
  EXPECT_THROW((void)parse_rate("1e300/ns"), UnitError);
  EXPECT_THROW((void)parse_bandwidth("1e300TB/s"), UnitError);
  EXPECT_THROW((void)parse_duration("1e300h"), UnitError);
  try {
    (void)parse_bytes("1e300TB");
  } catch (const UnitError& e) {
    EXPECT_NE(std::string(e.what()).find("\"1e300TB\" is too large"), std::string::npos)
        << e.what();
  }
  EXPECT_DOUBLE_EQ(parse_bytes("1e300B"), 1e300);  // large but finite: still fine
}

// config_fuzz: a list or mapping used as a key ("? [a]: 1") escaped as YAML::BadConversion.
TEST(FuzzRegressions, ListOrMappingKeysAreConfigErrors) {
  const std::string top = config_error("? customers: 1\n: x\ncomponents: {k: {type: sink}}\n");
  EXPECT_NE(top.find("net.yaml:1:3: a key must be a single value, not a list or mapping"),
            std::string::npos)
      << top;
  const std::string nested = config_error("components:\n  ? [a, b]\n  : {type: sink}\n");
  EXPECT_NE(nested.find("net.yaml:2:5: 'components': a key must be a single value"),
            std::string::npos)
      << nested;
  const std::string deeper =
      config_error("end: {time: 1s}\ncomponents:\n  k: {type: sink, {x: 1}: 2}\n");
  EXPECT_NE(deeper.find("'components.k': a key must be a single value"), std::string::npos)
      << deeper;
  // A null key is still read as the text "null" (and then refused as an unknown key).
  EXPECT_NE(config_error("~: 1\ncomponents: {k: {type: sink}}\n").find("unknown key 'null'"),
            std::string::npos);
}

// config_fuzz (UBSan): a whole number outside int64's range was converted to int64.
TEST(FuzzRegressions, WholeNumbersOutsideInt64AreConfigErrors) {
  for (const char* value : {"1e300", "-1e19", "9.3e18", "nan", "inf", "-inf"}) {
    const ConfigNode n = ConfigNode::load_string(std::string("k: ") + value + "\n");
    try {
      (void)n.integer("k");
      ADD_FAILURE() << value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("expected a whole number"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(ConfigNode::load_string("k: 1e6\n").integer("k"), 1000000);
  EXPECT_EQ(ConfigNode::load_string("k: -9.2e18\n").integer("k"), -9200000000000000000);
  const std::string e = config_error(
      "components:\n  s: {type: source, arrivals: {process: poisson, rate: 1/s}, customers: "
      "1e300, to: k}\n  k: {type: sink}\n");
  EXPECT_NE(e.find("'components.s.customers': expected a whole number, got \"1e300\""),
            std::string::npos)
      << e;
}

// measurements_fuzz (UBSan): a batch or GPU count outside int's range was converted to int.
TEST(FuzzRegressions, MeasurementCountsMustBeWholeNumbersInRange) {
  const std::string path = testing::TempDir() + "/fuzz_regression.csv";
  const auto error_for = [&](const std::string& csv) -> std::string {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(csv.c_str(), f);
    std::fclose(f);
    try {
      (void)hardware::read_gpu_measurements(path);
    } catch (const hardware::CatalogError& e) {
      return e.what();
    }
    return "";
  };
  const std::string inference =
      "device,model,input,precision,software,batch,metric,value,unit,source\n"
      "A100-SXM4-40GB,bert-base,seq 128,fp16,TensorRT,";
  for (const char* batch : {"1e20", "0", "-8", "2.5"}) {
    const std::string e = error_for(inference + batch + ",throughput,100,samples/s,x\n");
    EXPECT_NE(e.find("fuzz_regression.csv:2: column 'batch': expected a whole number from 1 to "
                     "1000000"),
              std::string::npos)
        << batch << ": " << e;
  }
  const std::string e = error_for(
      "device,gpus,model,precision,software,metric,value,unit,source\n"
      "V100-SXM2-16GB,1e20,resnet50,amp,PyTorch,throughput,1200,images/s,x\n");
  EXPECT_NE(e.find("fuzz_regression.csv:2: column 'gpus': expected a whole number"),
            std::string::npos)
      << e;
  EXPECT_EQ(error_for(inference + "32,throughput,100,samples/s,x\n"), "");
  EXPECT_EQ(error_for(inference + "offline,throughput,100,samples/s,x\n"), "");
}

}  // namespace
}  // namespace scalesim
