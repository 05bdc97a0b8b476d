// training_job to a quality target: epochs from the model's reference convergence points at
// the run's global batch size, ending with a partial epoch.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "hardware/catalog/catalog.h"
#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

std::string training(const std::string& model, int gpus, int batch, const std::string& epochs,
                     const std::string& extra = "") {
  return "name: t\nseed: 1\ncomponents:\n  req: {type: source, arrivals: {process: "
         "deterministic, rate: 1/s}, customers: 2, to: train}\n  train:\n    type: training_job\n"
         "    model: " +
         model + "\n    gpu: A100-SXM4-80GB\n    precision: amp\n    software: mlperf-mxnet\n" +
         "    gpus_per_node: " + std::to_string(gpus) +
         "\n    batch_per_gpu: " + std::to_string(batch) + "\n    samples: 1281167\n" +
         "    epochs: " + epochs + "\n" + extra + "    to: done\n  done: {type: sink}\n";
}

TEST(TrainingJob, RunsToTheQualityTargetWithAPartialLastEpoch) {
  // Global batch 8 x 408 = 3264: the reference runs need 35.1538 epochs to 75.9% top-1.
  QueueingNetwork net =
      QueueingNetwork::from_config(ConfigNode::load_string(training("resnet50", 8, 408, "target")));
  (void)simulate(net, 1);
  const auto& job = net.get<TrainingJob>("train");
  EXPECT_NEAR(job.setup().epochs_to_target, 35.1538, 1e-4);
  EXPECT_EQ(job.setup().epochs, 36u);  // 35 whole epochs and a partial one
  EXPECT_FALSE(job.setup().quality_target.empty());
  ASSERT_EQ(job.completed(), 2u);
  const double epoch = 1281167.0 / job.setup().samples_per_second;
  EXPECT_NEAR(job.run_time().mean(), 35.1538 * epoch, 1e-6 * epoch);

  // A fixed epoch count still runs whole epochs.
  QueueingNetwork fixed =
      QueueingNetwork::from_config(ConfigNode::load_string(training("resnet50", 8, 408, "3")));
  (void)simulate(fixed, 1);
  EXPECT_NEAR(fixed.get<TrainingJob>("train").run_time().mean(),
              3 * to_seconds(fixed.get<TrainingJob>("train").setup().epoch_time), 1e-9);
}

TEST(TrainingJob, LargerGlobalBatchNeedsMoreEpochs) {
  auto epochs = [](int gpus, int batch) {
    QueueingNetwork net = QueueingNetwork::from_config(
        ConfigNode::load_string(training("resnet50", gpus, batch, "target")));
    return net.get<TrainingJob>("train").setup().epochs_to_target;
  };
  EXPECT_DOUBLE_EQ(epochs(4, 408), 35.0);      // 1632: a reference point
  EXPECT_LT(epochs(8, 408), epochs(16, 512));  // 3264 < 8192
  EXPECT_NEAR(epochs(16, 512), 41.875, 1e-9);  // 8192: a reference point
}

TEST(TrainingJob, TargetErrorsNameTheKey) {
  // Above the largest reference batch there is no convergence data.
  try {
    (void)QueueingNetwork::from_config(
        ConfigNode::load_string(training("resnet50", 16, 8192, "target")));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("<string>:14:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("above the largest resnet reference point"), std::string::npos) << msg;
  }
  // A model without reference points cannot train to a target.
  try {
    (void)QueueingNetwork::from_config(
        ConfigNode::load_string(training("bert-base", 8, 32, "target")));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has no convergence data"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)QueueingNetwork::from_config(
                   ConfigNode::load_string(training("resnet50", 8, 408, "0"))),
               ConfigError);
}

}  // namespace
}  // namespace scalesim
