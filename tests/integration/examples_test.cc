// Every shipped example config loads and runs to completion, and its summary is consistent:
// what the sources emitted is what the sinks (or last stations) saw. Keeps configs/ and
// docs/config.md honest.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "queueing/queueing_network.h"

namespace scalesim {
namespace {

TEST(Examples, EveryExampleConfigRunsAndConservesCustomers) {
  const std::filesystem::path dir = std::filesystem::path(SCALESIM_SOURCE_DIR) / "configs/examples";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    SCOPED_TRACE(entry.path().string());
    QueueingNetwork net =
        QueueingNetwork::from_config(ConfigNode::load_file(entry.path().string()));
    const NetworkRun run = simulate(net, net.settings().seed);
    EXPECT_GT(run.counters.events_processed, 0u);
    std::uint64_t emitted = 0, absorbed = 0, in_system = 0;
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      if (auto* s = std::get_if<Source>(&net.component(lp))) emitted += s->emitted();
      if (auto* t = std::get_if<TraceSource>(&net.component(lp))) emitted += t->emitted();
      if (auto* m = std::get_if<ModelServer>(&net.component(lp))) {
        in_system += m->arrivals() - m->departures();
        if (!m->out()) absorbed += m->departures();
      }
      if (auto* k = std::get_if<Sink>(&net.component(lp))) absorbed += k->arrived();
      if (auto* st = std::get_if<Station>(&net.component(lp))) {
        in_system += st->arrivals() - st->departures();
        if (!st->out()) absorbed += st->departures();
      }
    }
    // Customers are conserved: emitted = absorbed + still at stations + in flight on links.
    EXPECT_LE(absorbed + in_system, emitted);
    if (net.settings().end.end_time == kTimeInfinity) {
      EXPECT_EQ(absorbed, emitted);
    }
  }
  EXPECT_GE(seen, 3);
}

}  // namespace
}  // namespace scalesim
