#include "hardware/redis/redis_memory.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "hardware/redis/redis_catalog.h"

namespace scalesim::hardware {
namespace {

std::string key(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%012d", prefix, i);
  return buf;
}

TEST(RedisMemoryTest, JemallocSizeClasses) {
  EXPECT_EQ(jemalloc_size_class(1), 8u);
  EXPECT_EQ(jemalloc_size_class(24), 32u);
  EXPECT_EQ(jemalloc_size_class(104), 112u);
  EXPECT_EQ(jemalloc_size_class(129), 160u);
  EXPECT_EQ(jemalloc_size_class(887), 896u);
  EXPECT_EQ(jemalloc_size_class(1030), 1280u);
  EXPECT_EQ(jemalloc_size_class(4096), 4096u);
}

TEST(RedisMemoryTest, PerKeyBytesFollowRedisLayout) {
  const MemoryModel m;
  // dictEntry 32 + key sds 32 + robj 16 + 100-byte sds 112.
  EXPECT_EQ(m.string_key_bytes(16, 100), 192u);
  // Short values are embstr: robj and sds in one allocation.
  EXPECT_EQ(m.string_key_bytes(16, 10), 32u + 32u + 32u);
  EXPECT_EQ(m.string_key_bytes(16, 1024), 32u + 32u + 16u + 1280u);
  // 20 fields of 8 + 32 bytes fit a listpack of 887 bytes.
  EXPECT_EQ(m.hash_key_bytes(17, 20, 8, 32), 32u + 32u + 16u + 896u);
}

// calibration/redis_local.json "dataset": 300000 keys, used_memory_human 248.08M.
TEST(RedisMemoryTest, MatchesTheMeasuredDataset) {
  const auto nodes = load_redis_catalog(SCALESIM_SOURCE_DIR "/configs/hardware/redis.yaml");
  const RedisNodeSpec& node = find_redis_node(nodes, "local-2core");
  RedisMemory mem(0, EvictionPolicy::kNoEviction, node.memory);
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(mem.set(key("key:", i), 100).ok);
    ASSERT_TRUE(mem.set(key("big:", i), 1024).ok);
    ASSERT_TRUE(mem.hset(key("hash:", i), 20, 8, 32).ok);
  }
  EXPECT_EQ(mem.keys(), 300000u);
  const double measured = 248.08 * 1024 * 1024;
  EXPECT_NEAR(mem.used_memory() / measured, 1.0, 0.005);
  EXPECT_NEAR(mem.rss() / (260.63 * 1024 * 1024), 1.0, 0.005);
  // Without the fitted per-key residual the layout alone is within 1.5%.
  MemoryModel bare = node.memory;
  bare.per_key_extra_bytes = 0;
  RedisMemory plain(0, EvictionPolicy::kNoEviction, bare);
  for (int i = 0; i < 100000; ++i) {
    plain.set(key("key:", i), 100);
    plain.set(key("big:", i), 1024);
    plain.hset(key("hash:", i), 20, 8, 32);
  }
  EXPECT_NEAR(plain.used_memory() / measured, 1.0, 0.015);
}

TEST(RedisMemoryTest, NoEvictionRefusesWritesWithRedisMessage) {
  MemoryModel m;
  RedisMemory mem(100000, EvictionPolicy::kNoEviction, m);
  int accepted = 0;
  WriteResult last;
  for (int i = 0; i < 2000; ++i) {
    last = mem.set(key("key:", i), 100);
    if (!last.ok) break;
    ++accepted;
  }
  ASSERT_FALSE(last.ok);
  EXPECT_EQ(last.error, "OOM command not allowed when used memory > 'maxmemory'.");
  // Redis checks before the write, so the last accepted write may overshoot by one key.
  EXPECT_GT(mem.used_memory(), 100000.0);
  EXPECT_LT(mem.used_memory(), 100000.0 + 192 + 8 * 1024);
  EXPECT_EQ(mem.keys(), static_cast<std::uint64_t>(accepted));
  EXPECT_TRUE(mem.get(key("key:", 0)));  // reads still work
  EXPECT_EQ(mem.evicted(), 0u);
}

TEST(RedisMemoryTest, AllKeysLruEvictsColdKeys) {
  MemoryModel m;
  RedisMemory mem(200000, EvictionPolicy::kAllKeysLru, m, 3);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(mem.set(key("hot:", i), 100).ok);
  int hot_lost = 0;
  for (int i = 0; i < 5000; ++i) {
    for (int h = 0; h < 100; h += 10) mem.get(key("hot:", h));  // keep a hot set in use
    ASSERT_TRUE(mem.set(key("cold:", i), 100).ok);
    EXPECT_LT(mem.used_memory(), 200000.0 + 192 + 16);
  }
  for (int h = 0; h < 100; h += 10) hot_lost += mem.get(key("hot:", h)) ? 0 : 1;
  EXPECT_GT(mem.evicted(), 3000u);
  EXPECT_LE(hot_lost, 1);  // sampled LRU keeps recently used keys
}

TEST(RedisMemoryTest, AllKeysRandomEvictsAnyKey) {
  MemoryModel m;
  RedisMemory mem(200000, EvictionPolicy::kAllKeysRandom, m, 3);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(mem.set(key("hot:", i), 100).ok);
  for (int i = 0; i < 5000; ++i) {
    for (int h = 0; h < 100; h += 10) mem.get(key("hot:", h));
    ASSERT_TRUE(mem.set(key("cold:", i), 100).ok);
  }
  int hot_lost = 0;
  for (int h = 0; h < 100; h += 10) hot_lost += mem.get(key("hot:", h)) ? 0 : 1;
  EXPECT_GE(hot_lost, 8);  // use does not protect a key
}

TEST(RedisMemoryTest, PolicyNames) {
  EXPECT_EQ(parse_eviction_policy("allkeys-lru"), EvictionPolicy::kAllKeysLru);
  EXPECT_EQ(eviction_policy_name(EvictionPolicy::kAllKeysRandom), "allkeys-random");
  EXPECT_THROW(parse_eviction_policy("volatile-ttl"), std::invalid_argument);
}

}  // namespace
}  // namespace scalesim::hardware
