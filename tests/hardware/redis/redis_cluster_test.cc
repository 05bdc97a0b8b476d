#include "hardware/redis/redis_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace scalesim::hardware {
namespace {

TEST(RedisClusterTest, Crc16XmodemTestVector) {
  EXPECT_EQ(crc16_xmodem("123456789"), 0x31C3);
  EXPECT_EQ(crc16_xmodem(""), 0);
}

TEST(RedisClusterTest, KnownSlots) {
  // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
  EXPECT_EQ(key_hash_slot("foo"), 12182u);
  EXPECT_EQ(key_hash_slot("123456789"), 0x31C3u & 16383u);
  EXPECT_EQ(key_hash_slot("{user1000}.following"), key_hash_slot("{user1000}.followers"));
  EXPECT_EQ(key_hash_slot("{user1000}.following"), key_hash_slot("user1000"));
  // "{}" is empty: the whole key is hashed.
  EXPECT_EQ(key_hash_slot("foo{}{bar}"), crc16_xmodem("foo{}{bar}") & 16383u);
  EXPECT_NE(key_hash_slot("foo{}{bar}"), key_hash_slot("bar"));
  // The tag runs from the first '{' to the first '}' after it.
  EXPECT_EQ(key_hash_slot("foo{{bar}}zap"), key_hash_slot("{bar"));
  EXPECT_EQ(key_hash_slot("foo{bar}{zap}"), key_hash_slot("bar"));
  // A '{' without a closing '}' hashes the whole key.
  EXPECT_EQ(key_hash_slot("foo{bar"), crc16_xmodem("foo{bar") & 16383u);
}

TEST(RedisClusterTest, SlotsSplitLikeRedisCli) {
  const RedisCluster c(3, 1);
  // redis-cli --cluster create with 3 masters.
  EXPECT_EQ(c.first_slot(0), 0u);
  EXPECT_EQ(c.last_slot(0), 5460u);
  EXPECT_EQ(c.first_slot(1), 5461u);
  EXPECT_EQ(c.last_slot(1), 10922u);
  EXPECT_EQ(c.first_slot(2), 10923u);
  EXPECT_EQ(c.last_slot(2), 16383u);
  EXPECT_EQ(c.shard_of_key("foo"), 2u);  // slot 12182
}

TEST(RedisClusterTest, UniformKeysSpreadEvenly) {
  const RedisCluster c(6, 0);
  std::vector<double> load(6, 0.0);
  constexpr int kKeys = 120000;
  for (int i = 0; i < kKeys; ++i) load[c.shard_of_key("key:" + std::to_string(i))] += 1.0;
  for (const double l : load) EXPECT_NEAR(l / (kKeys / 6.0), 1.0, 0.03);
}

TEST(RedisClusterTest, ZipfKeysMakeHotShards) {
  const RedisCluster c(6, 0);
  const ZipfKeys zipf(100000, 1.1);
  LpRandom rng(7, 0);
  std::vector<double> load(6, 0.0);
  constexpr int kRequests = 200000;
  for (int i = 0; i < kRequests; ++i) {
    load[c.shard_of_key("key:" + std::to_string(zipf.draw(rng)))] += 1.0;
  }
  const double mean = kRequests / 6.0;
  const double hottest = *std::max_element(load.begin(), load.end());
  const double coldest = *std::min_element(load.begin(), load.end());
  // The shard holding the most popular key carries far more than its share.
  EXPECT_GT(hottest / mean, 1.2);
  EXPECT_GT(hottest / coldest, 1.4);
  EXPECT_EQ(c.shard_of_key("key:0"),
            static_cast<std::uint32_t>(std::max_element(load.begin(), load.end()) - load.begin()));
}

TEST(RedisClusterTest, FailoverWaitsForNodeTimeoutAndElection) {
  RedisCluster c(3, 1);
  LpRandom rng(1, 0);
  const SimTime t = 100 * kSecond;
  const std::optional<SimTime> promoted = c.fail_master(1, t, rng);
  ASSERT_TRUE(promoted.has_value());
  // cluster-node-timeout (15 s) + 500 ms + up to 500 ms random + a vote round trip.
  EXPECT_GE(*promoted, t + 15 * kSecond + 500 * kMillisecond);
  EXPECT_LE(*promoted, t + 16 * kSecond + kMillisecond);
  const std::uint32_t slot = c.first_slot(1);
  EXPECT_TRUE(c.available(slot, t - 1));
  EXPECT_FALSE(c.available(slot, t));
  EXPECT_FALSE(c.available(slot, t + 15 * kSecond));
  EXPECT_FALSE(c.available(slot, *promoted - 1));
  EXPECT_TRUE(c.available(slot, *promoted));
  // Other shards keep serving throughout.
  EXPECT_TRUE(c.available(c.first_slot(0), t + kSecond));
}

TEST(RedisClusterTest, NoReplicaStopsTheWholeClusterOnceAgreed) {
  RedisCluster c(3, 0);
  LpRandom rng(1, 0);
  const SimTime t = 10 * kSecond;
  EXPECT_FALSE(c.fail_master(2, t, rng).has_value());
  EXPECT_TRUE(c.available(c.first_slot(0), t + kSecond));  // not yet marked FAIL
  EXPECT_FALSE(c.available(c.first_slot(0), t + 15 * kSecond));
  c.recover_master(2, t + 60 * kSecond);
  EXPECT_TRUE(c.available(c.first_slot(2), t + 60 * kSecond));
  EXPECT_TRUE(c.available(c.first_slot(0), t + 60 * kSecond));
}

}  // namespace
}  // namespace scalesim::hardware
