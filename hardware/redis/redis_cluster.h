// Redis Cluster: key -> hash slot -> shard, and what happens to a shard's slots when its master
// fails.
//
// Slots: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key mod 16384, hashing only
// the hash tag when the key has one, exactly as keyHashSlot in cluster.c: the tag is what lies
// between the first '{' and the first '}' after it, if that is non-empty.
// Layout: slots split over the masters as redis-cli --cluster create does (contiguous ranges of
// 16384 / masters, rounded), each master with the same number of replicas.
// Failover (cluster spec, "Replica election and promotion"): a failed master's slots are
// unavailable until the other masters mark it FAIL (cluster-node-timeout) and its best replica
// wins an election, which it starts after 500 ms + uniform(0, 500 ms) + rank x 1 s and wins
// after about one round trip of votes. With no replica, the slots stay down until the master
// comes back; with cluster-require-full-coverage (the default) the whole cluster then refuses
// queries.
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "scalesim/random.h"
#include "scalesim/sim_time.h"

namespace scalesim::hardware {

inline constexpr std::uint32_t kClusterSlots = 16384;

std::uint16_t crc16_xmodem(std::string_view data);
// The hash slot Redis Cluster assigns to a key.
std::uint32_t key_hash_slot(std::string_view key);

struct ClusterTimings {
  SimTime node_timeout = 15 * kSecond;  // cluster-node-timeout default (redis.conf)
  SimTime election_fixed = 500 * kMillisecond;
  SimTime election_random = 500 * kMillisecond;  // uniform extra delay
  SimTime per_rank = kSecond;                    // replica rank x this
  SimTime vote_round_trip = kMillisecond;        // asking masters for votes and counting them
  bool require_full_coverage = true;             // cluster-require-full-coverage default
};

class RedisCluster {
 public:
  // REQUIRES: 1 <= masters <= kClusterSlots.
  RedisCluster(std::uint32_t masters, std::uint32_t replicas_per_master,
               ClusterTimings timings = {});

  std::uint32_t masters() const { return static_cast<std::uint32_t>(first_slot_.size()); }
  std::uint32_t replicas_per_master() const { return replicas_; }
  // Shard (master index) owning a slot, and the slot range [first, last] of a shard.
  std::uint32_t shard_of_slot(std::uint32_t slot) const { return slot_owner_[slot]; }
  std::uint32_t shard_of_key(std::string_view key) const {
    return shard_of_slot(key_hash_slot(key));
  }
  std::uint32_t first_slot(std::uint32_t shard) const { return first_slot_[shard]; }
  std::uint32_t last_slot(std::uint32_t shard) const;

  // The master of `shard` fails at time t; the election delay is drawn from rng. Returns the time
  // a replica is promoted, or nullopt when the shard has no replica.
  std::optional<SimTime> fail_master(std::uint32_t shard, SimTime t, LpRandom& rng);
  // The failed master of `shard` is back at time t (it rejoins; slots are served again if no
  // replica took over earlier).
  void recover_master(std::uint32_t shard, SimTime t);

  // Can a command on this slot be served at time t?
  bool available(std::uint32_t slot, SimTime t) const;
  // Times at which this shard's slots are unavailable: [down_from, down_until).
  struct Outage {
    SimTime down_from = 0;
    SimTime down_until = kTimeInfinity;
  };
  std::optional<Outage> outage(std::uint32_t shard) const { return outages_[shard]; }

 private:
  std::uint32_t replicas_;
  ClusterTimings timings_;
  std::vector<std::uint32_t> first_slot_;
  std::vector<std::uint32_t> slot_owner_;
  std::vector<std::optional<Outage>> outages_;
  std::vector<std::uint32_t> replicas_left_;
};

// Keys with Zipf(s) popularity over n keys: rank r (0-based) drawn with probability
// proportional to 1 / (r + 1)^s. Inverse-CDF table, so one draw is a binary search.
class ZipfKeys {
 public:
  ZipfKeys(std::uint64_t n, double s);
  std::uint64_t draw(LpRandom& rng) const;

 private:
  std::vector<double> cdf_;
};

}  // namespace scalesim::hardware
