// Triton's dynamic-batching rule.
#include "models/serving/dynamic_batcher.h"

#include <gtest/gtest.h>

namespace scalesim::hardware {
namespace {

TEST(DynamicBatching, DefaultDelayZeroSendsWhatIsWaiting) {
  DynamicBatching b{.max_batch_size = 8, .preferred_batch_sizes = {}, .max_queue_delay = 0};
  b.validate();
  EXPECT_EQ(b.decide(0, 0, 0).batch, 0);
  EXPECT_EQ(b.decide(0, 0, 0).hold_until, kTimeInfinity);
  EXPECT_EQ(b.decide(1, 0, 0).batch, 1);
  EXPECT_EQ(b.decide(5, 0, 0).batch, 5);
  EXPECT_EQ(b.decide(8, 0, 0).batch, 8);
  EXPECT_EQ(b.decide(100, 0, 0).batch, 8);  // never above max_batch_size
}

TEST(DynamicBatching, PreferredSizesWinWhenReachable) {
  DynamicBatching b{
      .max_batch_size = 32, .preferred_batch_sizes = {16, 4, 8}, .max_queue_delay = 0};
  b.validate();
  EXPECT_EQ(b.preferred_batch_sizes, (std::vector<int>{4, 8, 16}));
  EXPECT_EQ(b.decide(20, 0, 0).batch, 16);  // largest preferred size that can be formed
  EXPECT_EQ(b.decide(9, 0, 0).batch, 8);
  EXPECT_EQ(b.decide(3, 0, 0).batch, 3);  // none reachable, delay 0: send what there is
  EXPECT_EQ(b.decide(40, 0, 0).batch, 32);
}

TEST(DynamicBatching, QueueDelayHoldsUntilTheOldestHasWaited) {
  DynamicBatching b{.max_batch_size = 16, .preferred_batch_sizes = {8}, .max_queue_delay = 100'000};
  b.validate();
  const auto held = b.decide(3, 1'000, 50'000);
  EXPECT_EQ(held.batch, 0);
  EXPECT_EQ(held.hold_until, 101'000);
  EXPECT_EQ(b.decide(3, 1'000, 101'000).batch, 3);  // delay expired: send what there is
  EXPECT_EQ(b.decide(8, 1'000, 2'000).batch, 8);    // preferred size reached: no waiting
  EXPECT_EQ(b.decide(16, 1'000, 2'000).batch, 16);  // max batch reached: no waiting
}

TEST(DynamicBatching, RejectsSizesOutsideRange) {
  DynamicBatching b{.max_batch_size = 8, .preferred_batch_sizes = {16}, .max_queue_delay = 0};
  EXPECT_THROW(b.validate(), std::invalid_argument);
  DynamicBatching zero{.max_batch_size = 0, .preferred_batch_sizes = {}, .max_queue_delay = 0};
  EXPECT_THROW(zero.validate(), std::invalid_argument);
}

}  // namespace
}  // namespace scalesim::hardware
