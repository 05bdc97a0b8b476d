#include "hardware/redis/redis_cluster.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace scalesim::hardware {

std::uint16_t crc16_xmodem(std::string_view data) {
  std::uint16_t crc = 0;
  for (const char ch : data) {
    crc = static_cast<std::uint16_t>(
        crc ^ (static_cast<std::uint16_t>(static_cast<unsigned char>(ch)) << 8));
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::uint32_t key_hash_slot(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const std::size_t close = key.find('}', open + 1);
    // "{}" (nothing between) hashes the whole key, as in Redis.
    if (close != std::string_view::npos && close != open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return crc16_xmodem(key) & (kClusterSlots - 1);
}

RedisCluster::RedisCluster(std::uint32_t masters, std::uint32_t replicas_per_master,
                           ClusterTimings timings)
    : replicas_(replicas_per_master), timings_(timings) {
  if (masters == 0 || masters > kClusterSlots) {
    throw std::invalid_argument("a Redis cluster needs 1 to 16384 masters, not " +
                                std::to_string(masters));
  }
  // As redis-cli --cluster create: a float cursor, ranges rounded to the nearest slot.
  const float per_master = static_cast<float>(kClusterSlots) / static_cast<float>(masters);
  float cursor = 0.0F;
  std::uint32_t first = 0;
  slot_owner_.resize(kClusterSlots);
  for (std::uint32_t m = 0; m < masters; ++m) {
    auto last = static_cast<std::uint32_t>(std::lround(cursor + per_master - 1.0F));
    if (last >= kClusterSlots || m == masters - 1) last = kClusterSlots - 1;
    last = std::max(last, first);
    first_slot_.push_back(first);
    for (std::uint32_t s = first; s <= last; ++s) slot_owner_[s] = m;
    first = last + 1;
    cursor += per_master;
  }
  outages_.assign(masters, std::nullopt);
  replicas_left_.assign(masters, replicas_per_master);
}

std::uint32_t RedisCluster::last_slot(std::uint32_t shard) const {
  return shard + 1 < first_slot_.size() ? first_slot_[shard + 1] - 1 : kClusterSlots - 1;
}

std::optional<SimTime> RedisCluster::fail_master(std::uint32_t shard, SimTime t, LpRandom& rng) {
  Outage o;
  o.down_from = t;
  std::optional<SimTime> promoted;
  if (replicas_left_[shard] > 0) {
    // The best-ranked replica (rank 0: the largest replication offset) asks first, so its
    // delay has no rank term; the others would wait per_rank longer each.
    const auto random = static_cast<SimTime>(
        rng.uniform_int(static_cast<std::uint64_t>(timings_.election_random) + 1));
    promoted =
        t + timings_.node_timeout + timings_.election_fixed + random + timings_.vote_round_trip;
    o.down_until = *promoted;
    --replicas_left_[shard];
  }
  outages_[shard] = o;
  return promoted;
}

void RedisCluster::recover_master(std::uint32_t shard, SimTime t) {
  std::optional<Outage>& o = outages_[shard];
  if (!o) return;
  if (o->down_until > t) {
    o->down_until = t;  // nobody took over: the master serves its slots again
  } else {
    ++replicas_left_[shard];  // a replica took over; the old master rejoins as its replica
  }
}

bool RedisCluster::available(std::uint32_t slot, SimTime t) const {
  const std::uint32_t shard = slot_owner_[slot];
  for (std::uint32_t s = 0; s < outages_.size(); ++s) {
    const std::optional<Outage>& o = outages_[s];
    if (!o || t < o->down_from || t >= o->down_until) continue;
    if (s == shard) return false;
    // An uncovered slot range, once the failure is agreed on, stops the whole cluster.
    const bool uncovered = o->down_until == kTimeInfinity;
    if (uncovered && timings_.require_full_coverage && t >= o->down_from + timings_.node_timeout) {
      return false;
    }
  }
  return true;
}

ZipfKeys::ZipfKeys(std::uint64_t n, double s) {
  cdf_.resize(n);
  double sum = 0;
  for (std::uint64_t r = 0; r < n; ++r) {
    sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
    cdf_[r] = sum;
  }
  for (double& c : cdf_) c /= sum;
}

std::uint64_t ZipfKeys::draw(LpRandom& rng) const {
  const double u = rng.uniform();
  const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
  return static_cast<std::uint64_t>(
      std::min<std::ptrdiff_t>(it - cdf_.begin(), static_cast<std::ptrdiff_t>(cdf_.size()) - 1));
}

}  // namespace scalesim::hardware
