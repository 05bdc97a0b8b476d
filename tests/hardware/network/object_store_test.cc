// Object store: request formulas, parallel and dataset reads by hand, monotonicity, costs.
#include "hardware/network/object_store.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "hardware/network/maxmin_flow_network.h"

namespace scalesim::hardware {
namespace {

constexpr double kMB = 1e6;

// 20 ms to first byte, 100 MB/s per connection, no aggregate cap.
ObjectStoreSpec test_store() {
  ObjectStoreSpec s;
  s.name = "test";
  s.first_byte_latency = 20 * kMillisecond;
  s.stream_bandwidth = 100 * kMB;
  s.price_per_gb_month = 0.023;
  s.price_per_1000_gets = 0.0004;
  s.price_per_1000_puts = 0.005;
  return s;
}

TEST(ObjectStore, GetIsFirstByteLatencyPlusSizeOverStreamBandwidth) {
  const ObjectStore store(test_store());
  EXPECT_EQ(store.get_time(0), 20 * kMillisecond);
  EXPECT_EQ(store.get_time(100 * kMB), 1'020 * kMillisecond);
  EXPECT_EQ(store.get_time(512e3), 20 * kMillisecond + 5'120 * kMicrosecond);
  EXPECT_EQ(store.put_time(100 * kMB), store.get_time(100 * kMB));
}

TEST(ObjectStore, ASlowClientNicCapsEvenOneStream) {
  const ObjectStore store(test_store(), 50 * kMB);
  EXPECT_EQ(store.get_time(100 * kMB), 2'020 * kMillisecond);
}

TEST(ObjectStore, RangedGetScalesWithStreamsUntilTheClientCap) {
  const ObjectStore open(test_store());
  EXPECT_EQ(open.parallel_get_time(1e9, 1), open.get_time(1e9));
  EXPECT_EQ(open.parallel_get_time(1e9, 4), 2'520 * kMillisecond);  // 1 GB at 400 MB/s
  const ObjectStore capped(test_store(), 200 * kMB);
  EXPECT_EQ(capped.parallel_get_time(1e9, 4), 5'020 * kMillisecond);  // 1 GB at 200 MB/s
  EXPECT_EQ(capped.parallel_get_time(1e9, 2), 5'020 * kMillisecond);
  EXPECT_THROW((void)capped.parallel_get_time(1e9, 0), std::invalid_argument);
}

TEST(ObjectStore, TheTighterOfSpecCapAndNicApplies) {
  ObjectStoreSpec spec = test_store();
  spec.client_bandwidth = 300 * kMB;
  EXPECT_DOUBLE_EQ(ObjectStore(spec).client_cap(), 300 * kMB);
  EXPECT_DOUBLE_EQ(ObjectStore(spec, 150 * kMB).client_cap(), 150 * kMB);
  EXPECT_DOUBLE_EQ(ObjectStore(spec, 900 * kMB).client_cap(), 300 * kMB);
}

TEST(ObjectStore, RangedGetAgreesWithTheFlowModel) {
  // Three ranges of 300 MB, each capped at 100 MB/s, sharing a 200 MB/s client link.
  const ObjectStore capped(test_store(), 200 * kMB);
  const std::vector<double> caps = {200 * kMB};
  std::vector<FlowRequest> ranges;
  ranges.reserve(3);
  for (int i = 0; i < 3; ++i) {
    ranges.push_back(FlowRequest{20 * kMillisecond, 300 * kMB, {0}, 100 * kMB});
  }
  for (const SimTime t : simulate_flows(caps, ranges)) {
    EXPECT_NEAR(static_cast<double>(t), static_cast<double>(capped.parallel_get_time(900 * kMB, 3)),
                1.0);
  }
  EXPECT_EQ(capped.parallel_get_time(900 * kMB, 3), 4'520 * kMillisecond);
}

TEST(ObjectStore, TimesGrowWithSizeAndShrinkWithStreams) {
  const ObjectStore capped(test_store(), 250 * kMB);
  SimTime previous = -1;
  for (int step = 0; step <= 20; ++step) {
    const SimTime t = capped.get_time(step * 50 * kMB);
    EXPECT_GT(t, previous);
    previous = t;
  }
  SimTime before = capped.parallel_get_time(1e9, 1);
  for (std::uint32_t k = 2; k <= 16; ++k) {
    const SimTime t = capped.parallel_get_time(1e9, k);
    EXPECT_LE(t, before);
    before = t;
  }
  // From 3 streams on (3 x 100 >= 250 MB/s) the cap binds and more streams do not help.
  EXPECT_EQ(capped.parallel_get_time(1e9, 3), capped.parallel_get_time(1e9, 16));
}

TEST(ObjectStore, DatasetReadByHand) {
  const ObjectStore open(test_store());
  const double total = 1e9;  // ten 100 MB objects
  const double object = 100 * kMB;
  // One connection: ten GETs of 20 ms + 1 s.
  EXPECT_EQ(open.read_dataset_time(total, object, 1), 10'200 * kMillisecond);
  // Four: three rounds (4 + 4 + 2 objects) of 1.02 s.
  EXPECT_EQ(open.read_dataset_time(total, object, 4), 3'060 * kMillisecond);
  // Ten or more: one round.
  EXPECT_EQ(open.read_dataset_time(total, object, 10), 1'020 * kMillisecond);
  EXPECT_EQ(open.read_dataset_time(total, object, 64), 1'020 * kMillisecond);
  // A last, smaller object: 10 x 1.02 s + 20 ms + 0.5 s.
  EXPECT_EQ(open.read_dataset_time(1.05e9, object, 1), 10'720 * kMillisecond);
  EXPECT_EQ(open.read_dataset_time(0, object, 4), 0);
  // Uncapped, the time is ceil(objects / streams) rounds, which never grows with streams.
  SimTime before = open.read_dataset_time(total, object, 1);
  for (std::uint32_t k = 2; k <= 16; ++k) {
    const SimTime t = open.read_dataset_time(total, object, k);
    EXPECT_LE(t, before) << k << " streams";
    before = t;
  }
}

TEST(ObjectStore, DatasetReadSharesTheClientCap) {
  // Four streams on a 200 MB/s client: two rounds at 50 MB/s per stream (2 s each, +20 ms
  // latency), then the last two objects alone at 100 MB/s each: 2.02 + 2.02 + 1.02 s.
  const ObjectStore capped(test_store(), 200 * kMB);
  EXPECT_EQ(capped.read_dataset_time(1e9, 100 * kMB, 4), 5'060 * kMillisecond);
  // With a cap, more streams are not always faster: 2 streams fill the cap exactly (5 rounds
  // of 1.02 s = 5.1 s), while 3 leave a lone last object (3 x 1.52 s + 1.02 s = 5.58 s).
  EXPECT_EQ(capped.read_dataset_time(1e9, 100 * kMB, 2), 5'100 * kMillisecond);
  EXPECT_EQ(capped.read_dataset_time(1e9, 100 * kMB, 3), 5'580 * kMillisecond);
  const SimTime one = capped.read_dataset_time(1e9, 100 * kMB, 1);
  for (std::uint32_t k = 2; k <= 12; ++k) {
    const SimTime t = capped.read_dataset_time(1e9, 100 * kMB, k);
    EXPECT_LE(t, one) << k << " streams";
    EXPECT_GE(t, 5 * kSecond) << k << " streams";  // never faster than 1 GB at 200 MB/s
  }
}

TEST(ObjectStore, ClosedFormAndFlowModelAgreeAtTheCap) {
  // Two streams exactly fill a 200 MB/s client, so the closed form applies; a cap a hair
  // lower sends the same read through the flow model, which must give nearly the same time.
  const ObjectStore exact(test_store(), 200 * kMB);
  const ObjectStore hair(test_store(), 200 * kMB * (1 - 1e-9));
  EXPECT_EQ(exact.read_dataset_time(1e9, 100 * kMB, 2), 5'100 * kMillisecond);
  EXPECT_NEAR(static_cast<double>(hair.read_dataset_time(1e9, 100 * kMB, 2)),
              static_cast<double>(5'100 * kMillisecond), 100.0);
  // Eleven objects, the last of 50 MB alone in the sixth round: 5 x 1.02 + 0.02 + 0.5 s.
  EXPECT_EQ(exact.read_dataset_time(1.05e9, 100 * kMB, 2), 5'620 * kMillisecond);
  EXPECT_NEAR(static_cast<double>(hair.read_dataset_time(1.05e9, 100 * kMB, 2)),
              static_cast<double>(5'620 * kMillisecond), 100.0);
}

TEST(ObjectStore, NoEmptyTrailingObjectFromRounding) {
  const ObjectStore open(test_store());
  // In binary floating point 2.7 / 0.3 is 9.000000000000002 and 2.1 / 0.3 is
  // 7.000000000000001: nine and seven GETs, not ten and eight.
  EXPECT_EQ(open.read_dataset_time(2.7, 0.3, 1), 9 * open.get_time(0.3));
  EXPECT_EQ(open.read_dataset_time(2.1, 0.3, 1), 7 * open.get_time(0.3));
  EXPECT_EQ(open.read_dataset_time(0.3, 0.1, 1), 3 * open.get_time(0.1));
}

TEST(ObjectStore, Costs) {
  const ObjectStore store(test_store());
  EXPECT_NEAR(store.storage_cost(1e12, 1.0), 23.0, 1e-9);  // 1000 GB-months
  EXPECT_NEAR(store.storage_cost(1e12, 0.5), 11.5, 1e-9);
  EXPECT_NEAR(store.request_cost(1'000'000, 10'000), 0.4 + 0.05, 1e-12);
}

TEST(ObjectStore, RejectsANonPositiveStreamBandwidth) {
  ObjectStoreSpec spec = test_store();
  spec.stream_bandwidth = 0;
  EXPECT_THROW(ObjectStore{spec}, std::invalid_argument);
  EXPECT_THROW(ObjectStore(test_store(), 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace scalesim::hardware
