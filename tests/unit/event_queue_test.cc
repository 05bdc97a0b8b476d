// Both pending-event sets against a sorted shadow: whatever the insertion pattern, they must
// return events in exactly EventKey order.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "scalesim/event_queue/adaptive_queue.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/event_queue/dary_heap.h"

namespace scalesim {
namespace {

template <class Q>
class EventQueueTest : public ::testing::Test {};
using QueueTypes =
    ::testing::Types<DaryHeap<2>, DaryHeap<4>, DaryHeap<8>, CalendarQueue, AdaptiveQueue>;
TYPED_TEST_SUITE(EventQueueTest, QueueTypes);

// Hold model: pop the minimum, push 0..2 events later, with many exact ties in time.
TYPED_TEST(EventQueueTest, MatchesSortedShadowUnderHoldWithTies) {
  TypeParam q;
  std::vector<QueuedKey> shadow;
  std::mt19937_64 gen(12345);
  std::uint64_t seq = 0;
  auto make = [&](SimTime t) {
    const auto src = static_cast<LpId>(gen() % 50);
    return QueuedKey{t, src, static_cast<std::uint32_t>(seq), seq++};
  };
  for (int i = 0; i < 2000; ++i) {
    const QueuedKey e = make(static_cast<SimTime>(gen() % 1000));
    q.push(e);
    shadow.push_back(e);
  }
  std::exponential_distribution<double> gap(1.0 / 500.0);
  SimTime now = 0;
  for (int step = 0; step < 200000 && !shadow.empty(); ++step) {
    const auto it = std::min_element(shadow.begin(), shadow.end(), key_less);
    const QueuedKey want = *it;
    shadow.erase(it);
    ASSERT_EQ(q.size(), shadow.size() + 1);
    const QueuedKey got = q.pop();
    ASSERT_EQ(got.key(), want.key()) << "at step " << step;
    ASSERT_EQ(got.slot, want.slot);
    ASSERT_GE(got.time, now);
    now = got.time;
    const int pushes = step < 150000 ? static_cast<int>(gen() % 3) : 0;  // then drain
    for (int k = 0; k < pushes; ++k) {
      // a quarter of new events at the current time (zero delay), some far in the future
      const SimTime delay = gen() % 4 == 0    ? 0
                            : gen() % 50 == 0 ? static_cast<SimTime>(gen() % 10'000'000)
                                              : static_cast<SimTime>(gap(gen));
      const QueuedKey e = make(now + delay);
      q.push(e);
      shadow.push_back(e);
    }
  }
  EXPECT_TRUE(shadow.empty());
  EXPECT_TRUE(q.empty());
}

// Growth and shrinkage through several orders of magnitude, with a population whose time scale
// changes by a factor of 10^6 (the calendar queue must re-estimate its bucket width).
TYPED_TEST(EventQueueTest, SortsThroughGrowthShrinkAndScaleChange) {
  TypeParam q;
  std::mt19937_64 gen(99);
  std::vector<QueuedKey> all;
  std::uint64_t seq = 0;
  for (SimTime scale : {SimTime{1}, SimTime{1'000'000}}) {
    for (int i = 0; i < 50000; ++i) {
      const QueuedKey e{static_cast<SimTime>(gen() % 100000) * scale, static_cast<LpId>(i % 7),
                        static_cast<std::uint32_t>(seq), seq};
      ++seq;
      q.push(e);
      all.push_back(e);
    }
  }
  std::sort(all.begin(), all.end(), key_less);
  for (const auto& want : all) {
    ASSERT_FALSE(q.empty());
    ASSERT_EQ(q.pop().key(), want.key());
  }
  EXPECT_TRUE(q.empty());
}

// The adaptive queue moves its events between heap and calendar as the population crosses
// its bounds, repeatedly, and the order seen by pop() never notices.
TEST(AdaptiveQueue, MovesBetweenHeapAndCalendarKeepingOrder) {
  AdaptiveQueue q;
  std::vector<QueuedKey> shadow;  // kept as a min-heap by key_less
  const auto later = [](const QueuedKey& a, const QueuedKey& b) { return key_less(b, a); };
  std::mt19937_64 gen(7);
  std::uint64_t seq = 0;
  SimTime now = 0;
  int to_calendar = 0, to_heap = 0;
  for (int cycle = 0; cycle < 6; ++cycle) {
    const std::size_t high = AdaptiveQueue::kToCalendar + 100, low = AdaptiveQueue::kToHeap - 20;
    for (bool filling : {true, false}) {
      while (filling ? q.size() < high : q.size() > low) {
        const bool was_calendar = q.on_calendar();
        if (filling || gen() % 4 == 0) {  // draining still pushes now and then
          const QueuedKey e{now + static_cast<SimTime>(gen() % 5000), static_cast<LpId>(gen() % 9),
                            static_cast<std::uint32_t>(seq), seq};
          ++seq;
          q.push(e);
          shadow.push_back(e);
          std::push_heap(shadow.begin(), shadow.end(), later);
        } else {
          std::pop_heap(shadow.begin(), shadow.end(), later);
          const QueuedKey want = shadow.back();
          shadow.pop_back();
          const QueuedKey got = q.pop();
          ASSERT_EQ(got.key(), want.key());
          now = got.time;
        }
        to_calendar += !was_calendar && q.on_calendar() ? 1 : 0;
        to_heap += was_calendar && !q.on_calendar() ? 1 : 0;
        ASSERT_EQ(q.size(), shadow.size());
      }
    }
  }
  EXPECT_EQ(to_calendar, 6);
  EXPECT_EQ(to_heap, 6);
}

TEST(EventKey, OrdersByTimeThenSourceThenSequence) {
  EXPECT_LT((EventKey{5, 9, 9}), (EventKey{6, 0, 0}));
  EXPECT_LT((EventKey{5, 1, 9}), (EventKey{5, 2, 0}));
  EXPECT_LT((EventKey{5, 1, 3}), (EventKey{5, 1, 4}));
  const QueuedKey a{5, 1, 0, 3}, b{5, 1, 0, 4}, c{5, 2, 0, 0};
  EXPECT_TRUE(key_less(a, b));
  EXPECT_TRUE(key_less(b, c));
  EXPECT_FALSE(key_less(b, a));
  EXPECT_FALSE(key_less(a, a));
}

}  // namespace
}  // namespace scalesim
