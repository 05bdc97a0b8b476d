// The model server: Triton batching in simulated time, checked against queueing formulas and
// the batching rule's own arithmetic.
#include <gtest/gtest.h>

#include <cmath>

#include "hardware/catalog/catalog.h"
#include "models/queueing/queueing_network.h"

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
  // Batch-1 work is partly launch-bound: a second instance on the same GPU fills the launch gaps
  // and raises capacity. Offered between the one- and two-instance capacities, one instance
  // falls behind while two keep up.
  auto server = [](int instances, double rate) {
    return network("{process: poisson, rate: " + std::to_string(rate) + "/s}",
                   "    model: bert-base\n    input: 128\n    gpu: A100-SXM4-40GB\n"
                   "    instances: " +
                       std::to_string(instances),
                   "end: {time: 5s}");
  };
  const QueueingNetwork probe = server(2, 1.0);
  const double one = 1.0 / to_seconds(batch_time(probe, 1, 1));
  const double two = 2.0 / to_seconds(batch_time(probe, 2, 1));
  ASSERT_GT(two, 1.2 * one);
  const double rate = 0.5 * (one + two);
  auto run_with = [&](int instances) {
    QueueingNetwork net = server(instances, rate);
    (void)simulate(net, 5);
    return net.get<ModelServer>("srv").sojourn().mean();
  };
  EXPECT_LT(run_with(2), 0.1 * run_with(1));
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

// Replica crashes: an alternating renewal process per replica (up ~ Exp(MTBF), down ~
// Exp(MTTR)), so the long-run share of replicas in service is MTBF / (MTBF + MTTR).
TEST(ModelServerFailures, AvailabilityIsMtbfOverMtbfPlusMttr) {
  QueueingNetwork net = network("{process: poisson, rate: 20/s}",
                                "    model: bert-base\n    gpu: A100-SXM4-40GB\n    replicas: 4\n"
                                "    failures: {mtbf: 10s, mttr: 2s}",
                                "end: {time: 10000s}");
  const NetworkRun run = simulate(net, 3);
  const auto& srv = net.get<ModelServer>("srv");
  // Asymptotic variance of the up share of one replica over T: 2 u^2 d^2 / ((u + d)^3 T)
  // (exponential up and down times), here 4 replicas x 9999 s: sd 0.0034; 4 sd below.
  EXPECT_NEAR(srv.availability(run.end_time), 10.0 / 12.0, 0.014);
  // Crashes: 4 replicas x 9999 s x (10/12 up) / 10 s = 3333, Poisson-like spread (sd < 58).
  EXPECT_NEAR(static_cast<double>(srv.crashes()), 3333.0, 240.0);
  // All four down at once: (1/6)^4 = 0.00077 of the time if independent.
  EXPECT_LT(srv.outage_share(run.end_time), 0.004);
  EXPECT_EQ(srv.failed_requests(), 0u);
}

std::string failing_server(const std::string& policy) {
  return "    model: bert-base\n    gpu: A100-SXM4-40GB\n    replicas: 2\n"
         "    dynamic_batching: {max_batch_size: 16, max_queue_delay: 5ms}\n"
         "    failures: {mtbf: 500ms, mttr: 100ms, in_flight: " +
         policy + "}";
}

TEST(ModelServerFailures, RetriedRequestsAreNeverLostAndFailedOnesAreCounted) {
  // 20,000 requests, crashes every 0.5 s per replica while batches run: with retries every
  // request reaches the sink; with in_flight: fail, those in lost batches do not, and the
  // count says how many.
  const std::string src = "{process: poisson, rate: 2000/s}\n    customers: 20000";
  QueueingNetwork retry =
      network(src, failing_server("retry, max_retries: 1000"), "end: {time: 100s}");
  simulate(retry, 9);
  const auto& r = retry.get<ModelServer>("srv");
  EXPECT_GT(r.crashes(), 10u);
  EXPECT_GT(r.retried_requests(), 0u);
  EXPECT_EQ(r.failed_requests(), 0u);
  EXPECT_EQ(retry.get<Sink>("out").arrived(), 20000u);
  EXPECT_EQ(r.departures(), 20000u);

  QueueingNetwork fail = network(src, failing_server("fail"), "end: {time: 100s}");
  simulate(fail, 9);
  const auto& f = fail.get<ModelServer>("srv");
  EXPECT_GT(f.failed_requests(), 0u);
  EXPECT_EQ(f.retried_requests(), 0u);
  EXPECT_EQ(fail.get<Sink>("out").arrived() + f.failed_requests(), 20000u);

  // max_retries 0: a request in a lost batch fails at its first loss.
  QueueingNetwork none = network(src, failing_server("retry, max_retries: 0"), "end: {time: 100s}");
  simulate(none, 9);
  EXPECT_EQ(none.get<ModelServer>("srv").failed_requests(), f.failed_requests());
}

TEST(ModelServerFailures, ConfigErrorsNameTheKey) {
  auto error = [](const std::string& failures, const std::string& end) {
    try {
      (void)network("{process: poisson, rate: 1/s}\n    customers: 10",
                    "    model: bert-base\n    gpu: A100-SXM4-40GB\n    failures: " + failures,
                    end);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string timed = "end: {time: 10s}";
  EXPECT_NE(error("{mtbf: 1h, mttr: 5min}", "").find("need a time limit"), std::string::npos);
  EXPECT_NE(error("{mtbf: 1h}", timed).find("give either `mttr` or `time_to_repair`"),
            std::string::npos);
  EXPECT_NE(error("{mtbf: 1h, mttr: 5min, in_flight: drop}", timed).find("must be retry or fail"),
            std::string::npos);
  EXPECT_NE(error("{mtbf: 1h, mttr: 5min, max_retry: 2}", timed).find("did you mean 'max_retries'"),
            std::string::npos);
  EXPECT_NE(error("{mtbf: 0s, mttr: 5min}", timed).find("must be greater than zero"),
            std::string::npos);
  EXPECT_EQ(
      error("{time_to_failure: {distribution: lognormal, mean: 1h, cv: 0.5}, mttr: 5min}", timed),
      "");
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
