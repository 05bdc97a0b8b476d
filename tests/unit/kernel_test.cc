#include "scalesim/kernel.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "models/phold/phold.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/result_hash.h"

namespace scalesim {
namespace {

// LPs 1..n-1 each send three events to LP 0, all at t = 100; LP 0 logs what it receives.
struct TieModel {
  struct Payload {
    std::uint32_t tag;
  };
  std::uint32_t n;
  std::vector<std::pair<LpId, std::uint64_t>> log;
  std::vector<std::uint32_t> tags;

  std::uint32_t lp_count() const { return n; }
  template <class Ctx>
  void init(Ctx& ctx) {
    if (ctx.self() == 0) return;
    for (std::uint32_t i = 0; i < 3; ++i) ctx.schedule(0, 100, 0, Payload{ctx.self() * 10 + i});
  }
  template <class Ctx>
  void handle(Ctx& ctx, const Event<Payload>& ev) {
    EXPECT_EQ(ctx.now(), 100);
    log.emplace_back(ev.src(), ev.key.seq);
    tags.push_back(ev.payload.tag);
  }
};

template <class Q>
class KernelTest : public ::testing::Test {};
using Queues = ::testing::Types<DaryHeap<4>, CalendarQueue, AdaptiveQueue>;
TYPED_TEST_SUITE(KernelTest, Queues);

TYPED_TEST(KernelTest, SimultaneousEventsFollowSourceThenSequence) {
  TieModel m{5, {}, {}};
  SequentialKernel<TieModel, TypeParam> k(m, 1);
  k.init();
  k.run();
  ASSERT_EQ(m.log.size(), 12u);
  for (std::size_t i = 1; i < m.log.size(); ++i) EXPECT_LT(m.log[i - 1], m.log[i]);
  EXPECT_EQ(m.tags.front(), 10u);
  EXPECT_EQ(m.tags.back(), 42u);
}

TYPED_TEST(KernelTest, EventsAtOrAfterEndTimeAreNotProcessed) {
  TieModel m{4, {}, {}};
  SequentialKernel<TieModel, TypeParam> k(m, 1, EndCondition{100, UINT64_MAX});
  k.init();
  const auto& c = k.run();
  EXPECT_EQ(c.events_processed, 0u);
  EXPECT_EQ(c.events_past_end, 9u);
  EXPECT_TRUE(m.log.empty());
}

TYPED_TEST(KernelTest, EventLimitStopsTheRun) {
  TieModel m{4, {}, {}};
  SequentialKernel<TieModel, TypeParam> k(m, 1, EndCondition{kTimeInfinity, 4});
  k.init();
  const auto& c = k.run();
  EXPECT_EQ(c.events_processed, 4u);
  EXPECT_TRUE(c.stopped_by_event_limit);
  EXPECT_EQ(k.pending(), 5u);
}

struct EmptyModel {
  struct Payload {};
  std::uint32_t lp_count() const { return 3; }
  template <class Ctx>
  void init(Ctx&) {}
  template <class Ctx>
  void handle(Ctx&, const Event<Payload>&) {}
};

TEST(Kernel, NoEventsAtAllEndsImmediately) {
  EmptyModel m;
  SequentialKernel<EmptyModel> k(m, 1);
  k.init();
  EXPECT_EQ(k.run().events_processed, 0u);
  EXPECT_EQ(k.now(), 0);
}

struct PastModel {
  struct Payload {};
  std::uint32_t lp_count() const { return 1; }
  template <class Ctx>
  void init(Ctx& ctx) {
    ctx.schedule(0, 10, 0);
  }
  template <class Ctx>
  void handle(Ctx& ctx, const Event<Payload>&) {
    ctx.schedule(0, -5, 0);
  }
};

TEST(Kernel, SchedulingIntoThePastIsAnError) {
  PastModel m;
  SequentialKernel<PastModel> k(m, 1);
  k.init();
  try {
    k.run();
    FAIL() << "expected an error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("LP 0 scheduled an event for LP 0 at t=5 ns (now 10 ns)"),
              std::string::npos)
        << e.what();
  }
}

// PHOLD wrapped to count events whose source is another LP.
struct CountingPhold {
  using Payload = Phold::Payload;
  Phold inner;
  std::uint64_t remote = 0;
  std::uint32_t lp_count() const { return inner.lp_count(); }
  template <class Ctx>
  void init(Ctx& ctx) {
    inner.init(ctx);
  }
  template <class Ctx>
  void handle(Ctx& ctx, const Event<Payload>& ev) {
    if (ev.src() != ev.dst) ++remote;
    inner.handle(ctx, ev);
  }
};

template <class Q>
std::pair<std::uint64_t, std::uint64_t> phold_hash(const PholdParams& p, std::uint64_t seed,
                                                   std::uint64_t* remote = nullptr) {
  CountingPhold m{Phold(p)};
  SequentialKernel<CountingPhold, Q> k(m, seed, EndCondition{from_seconds(p.end), UINT64_MAX});
  k.init();
  const auto c = k.run();
  ResultHash h;
  h.add(c.events_processed);
  h.add(c.last_event_time);
  h.add(std::span<const std::uint64_t>(k.processed_per_lp()));
  if (remote) *remote = m.remote;
  return {c.events_processed, h.value()};
}

TEST(Phold, DeterministicAcrossRunsAndQueuesAndSeedSensitive) {
  const PholdParams p{256, 4, 1.0, 0.1, 0.25, 100.0};
  const auto a = phold_hash<DaryHeap<4>>(p, 7);
  const auto b = phold_hash<DaryHeap<4>>(p, 7);
  const auto c = phold_hash<CalendarQueue>(p, 7);
  const auto d = phold_hash<DaryHeap<2>>(p, 7);
  const auto e = phold_hash<DaryHeap<4>>(p, 8);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a, d);
  EXPECT_NE(a.second, e.second);
}

// Population N = nlp * start_events stays constant and every delay has mean `mean`, so the
// event count over [0, end) is a renewal count with mean ~ N * end / mean. A fraction
// remote * (nlp - 1) / nlp of events come from another LP.
TEST(Phold, EventCountAndRemoteFractionMatchTheModel) {
  const PholdParams p{1024, 2, 1.0, 0.1, 0.25, 500.0};
  std::uint64_t remote = 0;
  const auto [events, hash] = phold_hash<CalendarQueue>(p, 3, &remote);
  const double expected = 1024.0 * 2 * 500.0;
  EXPECT_NEAR(static_cast<double>(events) / expected, 1.0, 0.005);
  const double frac = static_cast<double>(remote) / static_cast<double>(events);
  // Binomial sd of the fraction ~ sqrt(0.25*0.75/1e6) = 4.3e-4; allow 5 sd.
  EXPECT_NEAR(frac, 0.25 * 1023.0 / 1024.0, 0.0022);
}

}  // namespace
}  // namespace scalesim
