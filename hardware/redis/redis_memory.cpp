#include "hardware/redis/redis_memory.h"

#include <bit>
#include <stdexcept>

namespace scalesim::hardware {
namespace {

constexpr std::uint64_t kDictEntry = 24;  // key, value, next pointers
constexpr std::uint64_t kRobj = 16;       // redisObject
constexpr std::uint64_t kEmbstrLimit = 44;

// sds header for a string of len bytes (sdsReqType in sds.c).
std::uint64_t sds_header(std::uint64_t len) {
  if (len < 32) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  return 9;
}
std::uint64_t sds_alloc(std::uint64_t len) {
  return jemalloc_size_class(sds_header(len) + len + 1);
}

// One listpack string entry: encoding byte(s), data, back-length byte(s).
std::uint64_t listpack_entry(std::uint64_t len) {
  const std::uint64_t enc = len < 64 ? 1 : (len < 4096 ? 2 : 5);
  const std::uint64_t body = enc + len;
  const std::uint64_t back = body < 128 ? 1 : (body < 16384 ? 2 : (body < 2097152 ? 3 : 4));
  return body + back;
}

std::uint64_t power_of_two_at_least(std::uint64_t n) {
  return std::bit_ceil(std::max<std::uint64_t>(n, 4));
}

}  // namespace

EvictionPolicy parse_eviction_policy(std::string_view name) {
  if (name == "noeviction") return EvictionPolicy::kNoEviction;
  if (name == "allkeys-lru") return EvictionPolicy::kAllKeysLru;
  if (name == "allkeys-random") return EvictionPolicy::kAllKeysRandom;
  throw std::invalid_argument("unknown maxmemory-policy '" + std::string(name) +
                              "' (modelled: noeviction, allkeys-lru, allkeys-random)");
}

std::string_view eviction_policy_name(EvictionPolicy p) {
  switch (p) {
    case EvictionPolicy::kNoEviction:
      return "noeviction";
    case EvictionPolicy::kAllKeysLru:
      return "allkeys-lru";
    case EvictionPolicy::kAllKeysRandom:
      return "allkeys-random";
  }
  return "?";
}

std::uint64_t jemalloc_size_class(std::uint64_t n) {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) / 16 * 16;
  // Four classes per doubling: (2^k, 2^(k+1)] is cut in steps of 2^(k-2).
  const auto k = static_cast<unsigned>(std::bit_width(n - 1) - 1);
  const std::uint64_t step = std::uint64_t{1} << (k - 2);
  return (n + step - 1) / step * step;
}

std::uint64_t MemoryModel::string_key_bytes(std::uint64_t key_len, std::uint64_t value_len) const {
  std::uint64_t b = jemalloc_size_class(kDictEntry) + sds_alloc(key_len);
  if (value_len <= kEmbstrLimit) {
    b += jemalloc_size_class(kRobj + 3 + value_len + 1);  // robj and sdshdr8 in one block
  } else {
    b += jemalloc_size_class(kRobj) + sds_alloc(value_len);
  }
  return b;
}

std::uint64_t MemoryModel::hash_key_bytes(std::uint64_t key_len, std::uint64_t fields,
                                          std::uint64_t field_len, std::uint64_t value_len) const {
  std::uint64_t b =
      jemalloc_size_class(kDictEntry) + sds_alloc(key_len) + jemalloc_size_class(kRobj);
  if (fields <= hash_max_listpack_entries && field_len <= hash_max_listpack_value &&
      value_len <= hash_max_listpack_value) {
    const std::uint64_t lp =
        6 + fields * (listpack_entry(field_len) + listpack_entry(value_len)) + 1;
    return b + jemalloc_size_class(lp);
  }
  // Hash table encoding: a dict (56 B) with its buckets and, per field, an entry and two sds.
  b += jemalloc_size_class(56) + jemalloc_size_class(8 * power_of_two_at_least(fields));
  b += fields * (jemalloc_size_class(kDictEntry) + sds_alloc(field_len) + sds_alloc(value_len));
  return b;
}

std::uint64_t MemoryModel::dict_bytes(std::uint64_t keys) {
  return keys == 0 ? 0 : 8 * power_of_two_at_least(keys);
}

RedisMemory::RedisMemory(double maxmemory_bytes, EvictionPolicy policy, MemoryModel model,
                         std::uint64_t seed, std::uint32_t samples)
    : maxmemory_(maxmemory_bytes),
      policy_(policy),
      model_(model),
      rng_(seed, 0),
      samples_(samples) {}

double RedisMemory::used_memory() const {
  const auto n = static_cast<double>(entries_.size());
  return model_.base_bytes + static_cast<double>(key_bytes_) + n * model_.per_key_extra_bytes +
         static_cast<double>(MemoryModel::dict_bytes(entries_.size()));
}

WriteResult RedisMemory::set(std::string_view key, std::uint64_t value_bytes) {
  return write(key, model_.string_key_bytes(key.size(), value_bytes));
}

WriteResult RedisMemory::hset(std::string_view key, std::uint64_t fields, std::uint64_t field_bytes,
                              std::uint64_t value_bytes) {
  return write(key, model_.hash_key_bytes(key.size(), fields, field_bytes, value_bytes));
}

WriteResult RedisMemory::write(std::string_view key, std::uint64_t bytes) {
  WriteResult r;
  // maxmemory is checked before the command runs (performEvictions in evict.c).
  if (maxmemory_ > 0) {
    while (used_memory() > maxmemory_) {
      if (policy_ == EvictionPolicy::kNoEviction || entries_.empty()) {
        r.ok = false;
        r.error = kOomError;
        return r;
      }
      evict_one();
      ++r.evicted;
    }
  }
  ++clock_;
  const std::string k(key);
  if (const auto it = index_.find(k); it != index_.end()) {
    Entry& e = entries_[it->second];
    key_bytes_ = key_bytes_ - e.bytes + bytes;
    e.bytes = bytes;
    e.last_used = clock_;
    return r;
  }
  index_.emplace(k, entries_.size());
  entries_.push_back(Entry{k, bytes, clock_});
  key_bytes_ += bytes;
  return r;
}

bool RedisMemory::get(std::string_view key) {
  const auto it = index_.find(std::string(key));
  if (it == index_.end()) return false;
  entries_[it->second].last_used = ++clock_;
  return true;
}

bool RedisMemory::del(std::string_view key) {
  const auto it = index_.find(std::string(key));
  if (it == index_.end()) return false;
  remove_at(it->second);
  return true;
}

void RedisMemory::evict_one() {
  std::size_t victim = rng_.uniform_int(entries_.size());
  if (policy_ == EvictionPolicy::kAllKeysLru) {
    // Approximated LRU as in Redis: the least recently used of a few sampled keys.
    for (std::uint32_t s = 1; s < samples_; ++s) {
      const std::size_t i = rng_.uniform_int(entries_.size());
      if (entries_[i].last_used < entries_[victim].last_used) victim = i;
    }
  }
  remove_at(victim);
  ++evicted_;
}

void RedisMemory::remove_at(std::size_t i) {
  key_bytes_ -= entries_[i].bytes;
  index_.erase(entries_[i].key);
  if (i + 1 != entries_.size()) {
    entries_[i] = std::move(entries_.back());
    index_[entries_[i].key] = i;
  }
  entries_.pop_back();
}

}  // namespace scalesim::hardware
