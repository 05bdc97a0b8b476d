// llm_engine's bad inputs: each a ConfigError at the offending line, naming what is wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hardware/gpu/gpu_performance.h"
#include "models/queueing/queueing_network.h"
#include "models/serving/llm_engine.h"

namespace scalesim {
namespace {

const std::string kTrace =
    std::string(SCALESIM_SOURCE_DIR) + "/data/traces/azure_llm_conv_2023.csv";

std::string with_engine(const std::string& engine_keys) {
  return "name: t\ncomponents:\n  in:\n    type: trace\n    file: " + kTrace +
         "\n    format: azure_llm\n    customers: 10\n    to: engine\n  engine:\n"
         "    type: llm_engine\n" +
         engine_keys + "    to: done\n  done: {type: sink}\n";
}

// The message of the ConfigError building `yaml` throws ("" when it builds).
std::string error_of(const std::string& yaml) {
  try {
    QueueingNetwork::from_config(ConfigNode::load_string(yaml));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(LlmEngineConfigTest, AModelThatDoesNotFitItsGpusNamesModelGpusAndBytes) {
  const std::string e = error_of(
      with_engine("    model: llama-3.1-70b\n    gpu: A100-SXM4-40GB\n    tensor_parallel: 2\n"));
  EXPECT_NE(e.find("<string>:11:"), std::string::npos) << e;  // the `model:` line
  EXPECT_NE(e.find("llama-3.1-70b does not fit 2 x A100-SXM4-40GB"), std::string::npos) << e;
  EXPECT_NE(e.find("GiB"), std::string::npos) << e;
  // Eight of them hold it.
  EXPECT_EQ(error_of(with_engine(
                "    model: llama-3.1-70b\n    gpu: A100-SXM4-80GB\n    tensor_parallel: 8\n")),
            "");
}

TEST(LlmEngineConfigTest, TensorParallelismMustDivideTheHeads) {
  const std::string e = error_of(
      with_engine("    model: llama-3.1-8b\n    gpu: H100-SXM5-80GB\n    tensor_parallel: 3\n"));
  EXPECT_NE(e.find("<string>:13:"), std::string::npos) << e;
  EXPECT_NE(e.find("does not divide the 32 attention heads of llama-3.1-8b"), std::string::npos)
      << e;
}

TEST(LlmEngineConfigTest, AnNvlinkBridgeCarriesTheTensorParallelAllReduces) {
  // Two A100 PCIe cards joined by a bridge (300 GB/s a direction) instead of PCIe 4 (31.5 GB/s):
  // one prefill of 4096 tokens of Llama-2-13B saves exactly the difference of the two rings,
  // two all-reduces of the hidden states per layer.
  const auto step_of = [](const std::string& bridge) {
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(with_engine(
        "    model: llama-2-13b\n    gpu: A100-PCIe-80GB\n    tensor_parallel: 2\n" + bridge)));
    IterationWork w;
    w.prefill_tokens = 4096;
    w.prefill_pairs = 4096.0 * 4097 / 2;
    w.prefill_seqs = 1;
    return net.get<LlmEngine>("engine").setup().step->iteration_seconds(w);
  };
  const double pcie = step_of(""), bridged = step_of("    nvlink_bridge: true\n");
  const double message = 4096.0 * 5120 * 2;  // tokens x hidden x fp16 bytes
  const double expected = 2 * 40 *
                          (hardware::ring_allreduce_time(message, 2, 31.5e9, 2e-6) -
                           hardware::ring_allreduce_time(message, 2, 300e9, 2e-6));
  EXPECT_NEAR(pcie - bridged, expected, 1e-9 * pcie);
  EXPECT_GT(expected, 0.05 * pcie);  // it matters: the PCIe rings are a large part of the step

  // A card that takes no bridge, and a bridge asked to join more than two GPUs.
  std::string e = error_of(
      with_engine("    model: llama-2-13b\n    gpu: A100-SXM4-80GB\n    tensor_parallel: 2\n"
                  "    nvlink_bridge: true\n"));
  EXPECT_NE(e.find("<string>:14:"), std::string::npos) << e;
  EXPECT_NE(e.find("GPU 'A100-SXM4-80GB' takes no NVLink bridge"), std::string::npos) << e;
  e = error_of(
      with_engine("    model: llama-2-13b\n    gpu: A100-PCIe-80GB\n    tensor_parallel: 4\n"
                  "    nvlink_bridge: true\n"));
  EXPECT_NE(e.find("it needs tensor_parallel 2, not 4"), std::string::npos) << e;
  e =
      error_of(with_engine("    step_time: {fixed: 1ms}\n    kv_blocks: 100\n"
                           "    nvlink_bridge: true\n"));
  EXPECT_NE(e.find("'nvlink_bridge' needs `gpu:`"), std::string::npos) << e;
}

TEST(LlmEngineConfigTest, SchedulerParametersAreChecked) {
  const std::string step = "    step_time: {fixed: 1ms}\n    kv_blocks: 100\n";
  std::string e = error_of(with_engine("    scheduler: {name: vllm, block_size: 0}\n" + step));
  EXPECT_NE(e.find("<string>:11:"), std::string::npos) << e;
  EXPECT_NE(e.find("'block_size' must be between 1 and 1024"), std::string::npos) << e;
  e = error_of(with_engine("    scheduler: {name: vllm, chunk_size: 64}\n" + step));
  EXPECT_NE(e.find("chunk_size"), std::string::npos) << e;  // sarathi's name, not vllm's
  e = error_of(with_engine("    scheduler: fcfs\n" + step));
  EXPECT_NE(e.find("unknown scheduler 'fcfs'"), std::string::npos) << e;
  e = error_of(
      with_engine("    scheduler: {name: tensorrt_llm, capacity_scheduler_policy: lru}\n" + step));
  EXPECT_NE(e.find("guaranteed_no_evict or max_utilization"), std::string::npos) << e;
  e = error_of(with_engine("    step_time: {fixed: 1ms}\n"));
  EXPECT_NE(e.find("needs `kv_blocks:`"), std::string::npos) << e;
  e = error_of(with_engine("    model: bert-base\n    gpu: A100-SXM4-80GB\n"));
  EXPECT_NE(e.find("is not a decoder LLM"), std::string::npos) << e;
}

TEST(LlmEngineConfigTest, RequestsWithoutTokenCountsAreRefusedAtBuild) {
  const auto csv = std::filesystem::temp_directory_path() / "llm_no_tokens.csv";
  std::ofstream(csv) << "t\n0.1\n0.2\n";
  const std::string engine =
      "  engine:\n    type: llm_engine\n    step_time: {fixed: 1ms}\n    kv_blocks: 100\n"
      "    to: done\n  done: {type: sink}\n";
  std::string e =
      error_of("name: t\ncomponents:\n  in:\n    type: trace\n    file: " + csv.string() +
               "\n    time_format: s\n    columns: {time: t}\n"
               "    to: engine\n" +
               engine);
  EXPECT_NE(e.find("<string>:10:"), std::string::npos) << e;  // the engine
  EXPECT_NE(e.find("llm_engine 'engine' gets requests without token counts from 'in'"),
            std::string::npos)
      << e;
  e = error_of(
      "name: t\ncomponents:\n  in:\n    type: source\n    arrivals: {process: poisson, "
      "rate: 1/s}\n    customers: 5\n    to: engine\n" +
      engine);
  EXPECT_NE(e.find("a synthetic source"), std::string::npos) << e;
  // With the engine's own lengths, a source is fine.
  EXPECT_EQ(error_of("name: t\ncomponents:\n  in:\n    type: source\n    arrivals: {process: "
                     "poisson, rate: 1/s}\n    customers: 5\n    to: engine\n  engine:\n"
                     "    type: llm_engine\n    step_time: {fixed: 1ms}\n    kv_blocks: 100\n"
                     "    prompt_tokens: 10\n    output_tokens: 5\n    to: done\n"
                     "  done: {type: sink}\n"),
            "");
  std::filesystem::remove(csv);
}

TEST(LlmEngineConfigTest, PipelineSwapAndRouterSettingsAreChecked) {
  const std::string step = "    step_time: {fixed: 1ms}\n    kv_blocks: 100\n";
  std::string e = error_of(
      with_engine("    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n    pipeline_parallel: 23\n"));
  EXPECT_NE(e.find("<string>:13:"), std::string::npos) << e;
  EXPECT_NE(e.find("pipeline_parallel 23 exceeds the 22 layers of tinyllama-1b"), std::string::npos)
      << e;
  e = error_of(with_engine("    pipeline_parallel: 2\n" + step));
  EXPECT_NE(e.find("'pipeline_parallel' needs `gpu:`"), std::string::npos) << e;
  e = error_of(
      with_engine("    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n    pipeline_parallel: 2\n"
                  "    scheduler: static\n"));
  EXPECT_NE(e.find("static scheduler runs without pipeline parallelism"), std::string::npos) << e;
  // 70B fits 4 x A100-40GB split into 2 (tensor) x 2 (pipeline), not 2 x 1.
  EXPECT_EQ(error_of(with_engine("    model: llama-2-70b\n    gpu: A100-SXM4-40GB\n"
                                 "    tensor_parallel: 2\n    pipeline_parallel: 2\n")),
            "");
  e =
      error_of(with_engine("    model: llama-2-70b\n    gpu: A100-SXM4-40GB\n"
                           "    tensor_parallel: 2\n"));
  EXPECT_NE(e.find("llama-2-70b does not fit 2 x A100-SXM4-40GB"), std::string::npos) << e;

  e = error_of(with_engine("    scheduler: {name: vllm, preemption_mode: evict}\n" + step));
  EXPECT_NE(e.find("must be recompute or swap, got 'evict'"), std::string::npos) << e;
  e = error_of(with_engine("    scheduler: {name: vllm, swap_space: 8}\n" + step));
  EXPECT_NE(e.find("swap_space needs preemption_mode: swap"), std::string::npos) << e;
  e = error_of(with_engine("    scheduler: {name: vllm, preemption_mode: swap}\n" + step));
  EXPECT_NE(e.find("needs `swap_blocks:`"), std::string::npos) << e;
  e = error_of(with_engine("    swap_blocks: 10\n" + step));
  EXPECT_NE(e.find("swap_blocks needs scheduler preemption_mode: swap"), std::string::npos) << e;
  e =
      error_of(with_engine("    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n"
                           "    scheduler: {name: vllm, preemption_mode: swap}\n"
                           "    swap_blocks: 10\n"));
  EXPECT_NE(e.find("swap_space (GiB per GPU)"), std::string::npos) << e;

  e = error_of(with_engine("    host_overhead: {per_iteration: 1ms}\n" + step));
  EXPECT_NE(e.find("'host_overhead' needs `gpu:`"), std::string::npos) << e;
  e =
      error_of(with_engine("    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n"
                           "    host_overhead: {per_iteration: -1ms}\n"));
  EXPECT_NE(e.find("host_overhead.per_iteration': a duration may not be negative"),
            std::string::npos)
      << e;
  e =
      error_of(with_engine("    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n"
                           "    host_overhead: {per_step: 1ms}\n"));
  EXPECT_NE(e.find("per_step"), std::string::npos) << e;

  e = error_of(with_engine("    router: prefix_affinity\n" + step));
  EXPECT_NE(e.find("prefix_affinity needs the workload's prefix_sharing"), std::string::npos) << e;
  e = error_of(with_engine("    router: {name: round_robin, balance_abs_threshold: 4}\n" + step));
  EXPECT_NE(e.find("balance thresholds belong to router prefix_affinity"), std::string::npos) << e;
  e =
      error_of(with_engine("    router: {name: prefix_affinity, balance_rel_threshold: 0.5}\n"
                           "    prefix_sharing: {share: 0.5}\n" +
                           step));
  EXPECT_NE(e.find("must be >= 1"), std::string::npos) << e;
}

}  // namespace
}  // namespace scalesim
