// Redis memory accounting (used_memory as INFO reports it) and maxmemory enforcement.
//
// A key costs what redis-server 7.0 allocates for it through jemalloc, each allocation rounded up
// to jemalloc's size class: the dictEntry (24 B), the key sds, the value robj (16 B) and the value
// (an sds string; or a listpack for a small hash), plus the main dictionary's bucket array (8 B
// per bucket, a power of two). `per_key_extra_bytes` and `base_bytes` close the gap to a measured
// instance. RSS = used_memory x fragmentation.
//
// maxmemory is enforced as Redis does it: before a write command runs, if used memory is above
// maxmemory, keys are evicted (allkeys-lru: the least recently used of `samples` random keys;
// allkeys-random: a random key) until it is not; under noeviction the write fails with Redis's
// OOM error. Reads always succeed. A write may take used memory past maxmemory by its own size,
// as in Redis.
//
// Thread safety: none. Not for the event path: keys are strings in a hash map.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scalesim/random.h"

namespace scalesim::hardware {

enum class EvictionPolicy : std::uint8_t { kNoEviction, kAllKeysLru, kAllKeysRandom };

// "noeviction", "allkeys-lru", "allkeys-random"; throws std::invalid_argument otherwise.
EvictionPolicy parse_eviction_policy(std::string_view name);
std::string_view eviction_policy_name(EvictionPolicy p);

// Redis's reply to a write refused under noeviction (shared.oomerr, without "-" and CRLF).
inline constexpr std::string_view kOomError =
    "OOM command not allowed when used memory > 'maxmemory'.";

// jemalloc 5 size class of an allocation of n bytes (8, 16, 32, 48, ... 4 classes per doubling).
std::uint64_t jemalloc_size_class(std::uint64_t n);

struct MemoryModel {
  double base_bytes = 0;                          // used_memory of the instance with no keys
  double per_key_extra_bytes = 0;                 // fitted residual per key
  double fragmentation = 1.0;                     // used_memory_rss / used_memory
  std::uint32_t hash_max_listpack_entries = 128;  // Redis 7.0 defaults
  std::uint32_t hash_max_listpack_value = 64;

  // Allocated bytes of one string key (dictEntry, key, value object and value).
  std::uint64_t string_key_bytes(std::uint64_t key_len, std::uint64_t value_len) const;
  // Allocated bytes of one hash key with `fields` fields.
  std::uint64_t hash_key_bytes(std::uint64_t key_len, std::uint64_t fields, std::uint64_t field_len,
                               std::uint64_t value_len) const;
  // The main dictionary's bucket array for n keys.
  static std::uint64_t dict_bytes(std::uint64_t keys);
};

struct WriteResult {
  bool ok = true;
  std::string_view error;  // kOomError when refused
  std::uint64_t evicted = 0;
};

class RedisMemory {
 public:
  RedisMemory(double maxmemory_bytes, EvictionPolicy policy, MemoryModel model,
              std::uint64_t seed = 1, std::uint32_t samples = 5);

  // SET key value (value_bytes long).
  WriteResult set(std::string_view key, std::uint64_t value_bytes);
  // HSET of a whole hash.
  WriteResult hset(std::string_view key, std::uint64_t fields, std::uint64_t field_bytes,
                   std::uint64_t value_bytes);
  // GET: true if present (and marks it used for LRU).
  bool get(std::string_view key);
  bool del(std::string_view key);

  double used_memory() const;
  double rss() const { return used_memory() * model_.fragmentation; }
  std::uint64_t keys() const { return entries_.size(); }
  std::uint64_t evicted() const { return evicted_; }
  double maxmemory() const { return maxmemory_; }

 private:
  struct Entry {
    std::string key;
    std::uint64_t bytes;
    std::uint64_t last_used;
  };
  WriteResult write(std::string_view key, std::uint64_t bytes);
  void evict_one();
  void remove_at(std::size_t i);

  double maxmemory_;
  EvictionPolicy policy_;
  MemoryModel model_;
  LpRandom rng_;
  std::uint32_t samples_;
  std::vector<Entry> entries_;  // dense, so a random key is one draw
  std::unordered_map<std::string, std::size_t> index_;
  std::uint64_t key_bytes_ = 0;
  std::uint64_t clock_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace scalesim::hardware
