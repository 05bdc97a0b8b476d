// Every shipped example config loads and runs to completion, and its summary is consistent:
// what the sources emitted is what the sinks (or last stations) saw, or, with an end time, is
// still in the system or in flight; Poisson sources emit their configured rate. Keeps configs/
// and docs/config.md honest.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

TEST(Examples, EveryExampleConfigRunsAndConservesCustomers) {
  const std::filesystem::path dir = std::filesystem::path(SCALESIM_SOURCE_DIR) / "configs/examples";
  int seen = 0;
  int rate_checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    SCOPED_TRACE(entry.path().string());
    const ConfigNode root = ConfigNode::load_file(entry.path().string());
    QueueingNetwork net = QueueingNetwork::from_config(root);
    const NetworkRun run = simulate(net, net.settings().seed);
    EXPECT_GT(run.counters.events_processed, 0u);
    std::uint64_t emitted = 0, absorbed = 0, in_system = 0;
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      if (auto* s = std::get_if<Source>(&net.component(lp))) emitted += s->emitted();
      if (auto* t = std::get_if<TraceSource>(&net.component(lp))) emitted += t->emitted();
      if (auto* m = std::get_if<ModelServer>(&net.component(lp))) {
        in_system += m->arrivals() - m->departures() - m->rejected();
        if (!m->out()) absorbed += m->departures();
        if (!m->on_reject()) absorbed += m->rejected();
      }
      if (auto* e = std::get_if<LlmEngine>(&net.component(lp))) {
        // Requests longer than the engine takes are dropped there, as vLLM ignores them.
        in_system += e->arrivals() - e->completed() - e->rejected();
        if (!e->out()) absorbed += e->completed();
        absorbed += e->rejected();
      }
      if (auto* k = std::get_if<Sink>(&net.component(lp))) absorbed += k->arrived();
      if (auto* r = std::get_if<Router>(&net.component(lp)); r && !r->on_reject()) {
        absorbed += r->rejected();  // turned away by its rate limit and dropped
      }
      if (auto* st = std::get_if<Station>(&net.component(lp))) {
        // Rejected and abandoning customers left: sent on (counted where they arrive) or dropped
        // here.
        in_system += st->arrivals() - st->departures() - st->rejected() - st->abandoned();
        if (!st->out()) absorbed += st->departures();
        if (!st->on_reject()) absorbed += st->rejected();
        if (!st->on_abandon()) absorbed += st->abandoned();
      }
    }
    // Customers are conserved: emitted = absorbed + still at stations + in flight on links.
    ASSERT_LE(absorbed + in_system, emitted);
    if (net.settings().end.end_time == kTimeInfinity) {
      EXPECT_EQ(absorbed, emitted);
      continue;
    }
    // With an end time, a customer still in flight is one whose arrival event fell at or after
    // the end and was dropped, so there are at most as many as the kernel dropped events. A
    // component that lost customers would leave more unaccounted for.
    EXPECT_LE(emitted - absorbed - in_system, run.counters.events_past_end)
        << "emitted " << emitted << ", absorbed " << absorbed << ", in system " << in_system;
    // Each Poisson source emits its configured rate: the count over the run is Poisson with
    // mean rate x end, and this fixed seed's count lies within 5 standard deviations of it.
    const double end_s = to_seconds(net.settings().end.end_time);
    for (const auto& [name, node] : root.at("components").entries()) {
      const auto* s = std::get_if<Source>(&net.component(net.lp_of(name)));
      if (s == nullptr || node.at("arrivals").string("process") != "poisson") continue;
      const double expected = s->interarrival().mean_rate() * end_s;
      EXPECT_NEAR(static_cast<double>(s->emitted()), expected, 5.0 * std::sqrt(expected))
          << "source " << name;
      ++rate_checked;
    }
  }
  EXPECT_GE(seen, 3);
  EXPECT_GE(rate_checked, 3);
}

}  // namespace
}  // namespace scalesim
