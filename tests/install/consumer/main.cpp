// Uses the installed ScaleSim libraries: builds an M/M/1 queue from a YAML string, simulates it
// and checks the mean wait in queue against theory; loads the installed hardware catalog.
//   consumer CATALOG_DIR
#include <cmath>
#include <cstdio>
#include <string>

#include "hardware/catalog/catalog.h"
#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"

int main(int argc, char** argv) {
  // M/M/1 at utilisation 0.5: Poisson arrivals 50/s, exponential service with mean 10 ms.
  // Exact mean wait in queue: rho / (mu - lambda) = 0.5 / (100/s - 50/s) = 10 ms.
  const std::string yaml = R"(
name: consumer-mm1
seed: 7
warmup: 10s
components:
  arrivals:
    type: source
    arrivals: {process: poisson, rate: 50/s}
    customers: 200000
    to: server
  server:
    type: station
    servers: 1
    service: {distribution: exponential, mean: 10ms}
    to: done
  done:
    type: sink
)";
  auto net = scalesim::QueueingNetwork::from_config(scalesim::ConfigNode::load_string(yaml));
  const auto run = scalesim::simulate(net, 7);
  const auto& server = net.get<scalesim::Station>("server");
  const double wait_ms = server.wait().mean() * 1e3;
  const double theory_ms = 10.0;
  // 200000 customers at rho = 0.5 (correlated waits): the estimate is within a few per cent.
  const double tolerance = 0.08;
  std::printf("mm1: customers=%llu mean_wait_ms=%.4f theory_ms=%.4f events=%llu\n",
              static_cast<unsigned long long>(server.wait().count()), wait_ms, theory_ms,
              static_cast<unsigned long long>(run.counters.events_processed));
  if (std::abs(wait_ms - theory_ms) > tolerance * theory_ms) {
    std::printf("FAIL: mean wait %.4f ms is not within %.0f%% of %.4f ms\n", wait_ms,
                tolerance * 100, theory_ms);
    return 1;
  }
  if (argc > 1) {
    const auto catalog = scalesim::hardware::Catalog::load(argv[1]);
    std::printf("catalog: %s gpus=%zu models=%zu\n", catalog.dir().c_str(), catalog.gpus().size(),
                catalog.models().size());
    if (catalog.gpus().empty() || catalog.models().empty()) return 1;
  }
  std::printf("OK\n");
  return 0;
}
