// The model server: Triton batching in simulated time, checked against queueing formulas and
// the batching rule's own arithmetic.
#include <gtest/gtest.h>

#include <cmath>

#include "hardware/catalog/catalog.h"
#include "queueing/queueing_network.h"

namespace scalesim {
namespace {

QueueingNetwork network(const std::string& arrivals, const std::string& server,
                        const std::string& end = "end: {time: 200s}") {
  const std::string yaml = "name: t\nseed: 5\nwarmup: 1s\n" + end +
                           "\ncomponents:\n  src:\n    type: source\n    arrivals: " + arrivals +
                           "\n    to: srv\n  srv:\n    type: model_server\n" + server +
                           "\n    to: out\n  out:\n    type: sink\n";
  return QueueingNetwork::from_config(ConfigNode::load_string(yaml));
}

SimTime batch_time(const QueueingNetwork& net, std::size_t busy, std::size_t b) {
  const auto& s = net.get<ModelServer>("srv").setup();
  return s.batch_time[(busy - 1) * static_cast<std::size_t>(s.batching.max_batch_size) + b - 1];
}

TEST(ModelServer, BatchTimesComeFromTheGpuModel) {
  const QueueingNetwork net =
      network("{process: poisson, rate: 10/s}",
              "    model: bert-large\n    input: 128\n    gpu: "
              "A100-SXM4-40GB\n    dynamic_batching: {max_batch_size: 128}");
  const hardware::Catalog c = hardware::Catalog::load(hardware::Catalog::default_dir());
  const auto perf = c.performance("A100-SXM4-40GB", "tensorrt");
  for (int b : {1, 128}) {
    EXPECT_EQ(
        batch_time(net, 1, static_cast<std::size_t>(b)),
        from_seconds(
            perf.batch_latency(c.model("bert-large"), b, 128, hardware::Precision::kFp16).total));
  }
  EXPECT_DOUBLE_EQ(net.settings().price_per_hour, c.gpu("A100-SXM4-40GB").price_per_hour);
}

TEST(ModelServer, WithoutBatchingItIsAnMD1Queue) {
  // max batch 1, one instance: deterministic service. Pollaczek-Khinchine for M/D/1:
  // Wq = rho * S / (2 (1 - rho)).
  QueueingNetwork net = network("{process: poisson, rate: 400/s}",
                                "    model: bert-base\n    input: 128\n    gpu: V100-SXM2-16GB");
  const double s = to_seconds(batch_time(net, 1, 1));
  const double rho = 400 * s;
  ASSERT_GT(rho, 0.3);
  ASSERT_LT(rho, 0.8);
  const NetworkRun run = simulate(net, 5);
  const auto& srv = net.get<ModelServer>("srv");
  const double expected = rho * s / (2 * (1 - rho));
  const auto ci = srv.wait_batches().interval(0.99);
  EXPECT_NEAR(srv.wait().mean(), expected, std::max(3 * ci.half_width, 0.01 * expected))
      << "rho " << rho << " S " << s;
  EXPECT_NEAR(srv.batch_size().mean(), 1.0, 1e-12);
  EXPECT_NEAR(srv.utilisation(run.end_time), rho, 0.01);
}

TEST(ModelServer, OverloadFillsMaxBatchesAndThroughputMatchesCapacity) {
  // Far more requests than the GPU can serve: every batch is full, and throughput is
  // replicas x max_batch / batch_time(max) (one instance per GPU).
  QueueingNetwork net = network("{process: poisson, rate: 200000/s}",
                                "    model: bert-base\n    input: 128\n    gpu: A100-SXM4-40GB\n"
                                "    replicas: 2\n    dynamic_batching: {max_batch_size: 64}",
                                "end: {time: 5s}");
  const NetworkRun run = simulate(net, 5);
  const auto& srv = net.get<ModelServer>("srv");
  const double t64 = to_seconds(batch_time(net, 1, 64));
  const double capacity = 2 * 64 / t64;
  ASSERT_LT(capacity, 100000);
  // Only each GPU's first batch, sent when the queue was still short, can be partial.
  const double batches = static_cast<double>(srv.batches());
  EXPECT_GE(srv.batch_size().mean(), 64.0 - 2 * 63.0 / batches - 1e-9);
  EXPECT_LT(srv.batch_size().mean(), 64.0);
  const double throughput = static_cast<double>(srv.departures()) / to_seconds(run.end_time);
  EXPECT_NEAR(throughput, capacity, 0.01 * capacity);
}

TEST(ModelServer, QueueDelayHoldsALoneRequestExactlyThatLong) {
  // Deterministic arrivals far apart: each request waits max_queue_delay for a preferred batch
  // that never forms, then goes alone; its time in the server is delay + batch_time(1).
  QueueingNetwork net = network("{process: deterministic, rate: 100/s}",
                                "    model: bert-base\n    input: 128\n    gpu: A100-SXM4-40GB\n"
                                "    dynamic_batching: {max_batch_size: 8, preferred_batch_sizes: "
                                "[8], max_queue_delay: 1ms}",
                                "end: {time: 10s}");
  (void)simulate(net, 5);
  const auto& srv = net.get<ModelServer>("srv");
  const double expected = 1e-3 + to_seconds(batch_time(net, 1, 1));
  EXPECT_NEAR(srv.sojourn().mean(), expected, 1e-9);
  EXPECT_NEAR(srv.sojourn().variance(), 0.0, 1e-18);
  EXPECT_NEAR(srv.wait().mean(), 1e-3, 1e-9);
}

TEST(ModelServer, MoreInstancesHelpAtSmallBatch) {
  // Launch-bound batch-1 work: a second instance on the same GPU raises capacity.
  auto run_with = [](int instances) {
    QueueingNetwork net = network("{process: poisson, rate: 4000/s}",
                                  "    model: bert-base\n    input: 128\n    gpu: A100-SXM4-40GB\n"
                                  "    instances: " +
                                      std::to_string(instances),
                                  "end: {time: 5s}");
    (void)simulate(net, 5);
    return net.get<ModelServer>("srv").sojourn().mean();
  };
  EXPECT_LT(run_with(2), 0.5 * run_with(1));
}

TEST(ModelServer, ConfigErrorsNameTheKey) {
  try {
    (void)network("{process: poisson, rate: 1/s}",
                  "    model: llama-7b\n    precision: fp32\n    gpu: V100-SXM2-16GB");
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("<string>:14:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model 'llama-7b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("GPU 'V100-SXM2-16GB'"), std::string::npos) << msg;
  }
  try {
    (void)network("{process: poisson, rate: 1/s}", "    model: bert-bse\n    gpu: V100-SXM2-16GB");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'bert-base'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)network("{process: poisson, rate: 1/s}", "    model: bert-base"), ConfigError);
  EXPECT_THROW((void)network("{process: poisson, rate: 1/s}",
                             "    model: bert-base\n    gpu: A100-SXM4-40GB\n    dynamic_batching: "
                             "{max_batch_size: 4, preferred_batch_sizes: [8]}"),
               ConfigError);
}

TEST(ModelServer, CpuServerUsesOneCorePerRequest) {
  QueueingNetwork net = network("{process: poisson, rate: 1000/s}",
                                "    model: gbt\n    cpu: c5.2xlarge", "end: {time: 20s}");
  const hardware::Catalog c = hardware::Catalog::load(hardware::Catalog::default_dir());
  EXPECT_EQ(net.get<ModelServer>("srv").servers(), 4u);  // physical cores
  EXPECT_EQ(batch_time(net, 1, 1),
            from_seconds(c.cpu("c5.2xlarge").request_seconds(c.model("gbt"), 1)));
  const NetworkRun run = simulate(net, 5);
  const double rho = 1000 * to_seconds(batch_time(net, 1, 1)) / 4;
  EXPECT_NEAR(net.get<ModelServer>("srv").utilisation(run.end_time), rho, 0.01 * rho + 1e-4);
}

}  // namespace
}  // namespace scalesim
