// FeatureLookup: an online feature store on a Redis Cluster. Each request reads a feature view:
// `keys_per_request` entity keys drawn with Zipf popularity, hashed to slots by CRC16 as Redis
// Cluster does, grouped per shard into one MGET, or into a pipeline of GETs or of HGETALLs (one
// per key, sent in one write and read by the server in one read()). Each shard is a single-threaded
// Redis node serving commands in arrival order; a command costs the CPU the calibrated event-loop
// model gives at the shard's current backlog (a busy loop amortises its system calls over more
// ready connections). The request is answered when its slowest shard has replied (plus the round
// trip). Skewed keys make hot shards. A master failure makes its slots wait for the failover.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hardware/redis/redis_cluster.h"
#include "hardware/redis/redis_cost_model.h"
#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kLookupDone = 8;
inline constexpr double kRedisReadBufferBytes = 16 * 1024;  // redis-server's PROTO_IOBUF_LEN

struct FeatureStoreSetup {
  std::string description;
  std::uint32_t shards = 1;
  std::uint32_t replicas = 0;
  std::uint32_t keys_per_request = 1;
  std::uint32_t clients = 50;  // connections per shard from the serving tier
  SimTime rtt = 0;             // client <-> shard round trip
  hardware::EventLoopCosts loop;
  hardware::CommandCosts commands;
  std::uint32_t value_bytes = 100;  // per key, or per field of a hash
  std::uint32_t key_bytes = 16;
  // How a shard's keys are read: one MGET (kMget), or pipelined GETs (kGet) or HGETALLs
  // (kHgetall) of hashes with `fields` fields named with `field_bytes` bytes.
  hardware::RedisCommand command = hardware::RedisCommand::kMget;
  std::uint32_t fields = 20;
  std::uint32_t field_bytes = 8;
  // Shard of each key rank (keys hashed once at build time: no string work per request).
  std::shared_ptr<const std::vector<std::uint16_t>> shard_of_rank;
  std::shared_ptr<const hardware::ZipfKeys> popularity;
  // Failover: the master of `failed_shard` fails at `fail_at` and a replica serves from
  // `recovered_at` (node timeout + election); requests to its slots wait until then.
  std::uint32_t failed_shard = 0;
  SimTime fail_at = kTimeInfinity, recovered_at = kTimeInfinity;
  double memory_per_shard_bytes = 0;
  double shard_memory_capacity = 0;
  double price_per_hour = 0;
  SimTime ttl = 0;  // feature freshness (`ttl`), for exports; 0: none given
};

class FeatureLookup : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "feature_lookup";  // config `type:`
  // Builds one from its config node (feature_lookup_config.cpp).
  static FeatureLookup from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  FeatureLookup(FeatureStoreSetup setup, Link out, SimTime warmup, SimTime interval = 0,
                bool adaptive = false);

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), 0, 0);
    if (ev.kind == kLookupDone) {
      series_.count();
      ctx.schedule(out_.to, out_.latency, kCustomerArrives, ev.payload);
      return;
    }
    ++requests_;
    // Keys of this request per shard.
    std::fill(keys_on_shard_.begin(), keys_on_shard_.end(), 0u);
    for (std::uint32_t i = 0; i < setup_.keys_per_request; ++i) {
      ++keys_on_shard_[(*setup_.shard_of_rank)[setup_.popularity->draw(ctx.rng())]];
    }
    const SimTime arrive = ctx.now() + setup_.rtt / 2;
    SimTime done = arrive;
    bool waited = false;
    for (std::uint32_t s = 0; s < setup_.shards; ++s) {
      if (keys_on_shard_[s] == 0) continue;
      SimTime start = std::max(arrive, free_at_[s]);
      if (s == setup_.failed_shard && start >= setup_.fail_at && start < setup_.recovered_at) {
        start = setup_.recovered_at;  // clients retry until a replica has taken over
      }
      if (s == setup_.failed_shard && arrive >= setup_.fail_at && arrive < setup_.recovered_at) {
        waited = true;  // sent while the shard's slots had no master
      }
      const SimTime service = command_time(s, keys_on_shard_[s], start, arrive);
      free_at_[s] = start + service;
      busy_[s] += service;
      ++commands_[s];
      done = std::max(done, free_at_[s]);
    }
    if (waited) ++failover_waits_;
    const SimTime latency = done + setup_.rtt / 2 - ctx.now();
    if (ctx.now() >= warmup_) {
      latency_.add(to_seconds(latency));
      histogram_.add(static_cast<std::uint64_t>(latency));
    }
    min_latency_ = std::min(min_latency_, latency);
    ctx.schedule(ctx.self(), latency, kLookupDone, ev.payload);
  }

  // The shard's CPU for one read of `keys` keys at an idle loop (a pass of its own) and as one
  // of `clients` ready connections (its share of a full pass): the bounds command_time moves
  // between. 1 / the second is a shard's saturated rate of such reads.
  static double idle_read_ns(const FeatureStoreSetup& s, std::uint32_t keys);
  static double busy_read_ns(const FeatureStoreSetup& s, std::uint32_t keys);
  // Per read when every connection has many reads queued (read together by one read()): only
  // the per-command work and bytes remain; 1 / this is where a shard saturates.
  static double deep_read_ns(const FeatureStoreSetup& s, std::uint32_t keys);
  // How many such reads one read() can take: redis-server's 16 KiB query buffer over their bytes.
  static double max_read_depth(const FeatureStoreSetup& s, std::uint32_t keys);
  // Per read on a saturated shard (every connection queued to the maximum depth): 1 / this is
  // the shard's capacity for such reads.
  static double saturated_read_ns(const FeatureStoreSetup& s, std::uint32_t keys);

  const FeatureStoreSetup& setup() const { return setup_; }
  const Link& out() const { return out_; }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t failover_waits() const { return failover_waits_; }
  const Welford& latency() const { return latency_; }
  SimTime min_latency() const { return min_latency_; }
  const LatencyHistogram& histogram() const { return histogram_; }
  // Busy fraction of each shard's core over [0, now].
  double shard_utilisation(std::uint32_t s, SimTime now) const {
    return now > 0 ? static_cast<double>(busy_[s]) / static_cast<double>(now) : 0.0;
  }
  // The hottest shard's load over the mean shard's.
  double hot_shard_ratio() const;
  std::uint64_t commands(std::uint32_t s) const { return commands_[s]; }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void hash_into(ResultHash& h) const;

 private:
  // The shard's CPU for the read of `keys` keys (one MGET or a pipeline): a read arriving at an
  // idle loop pays a whole pass and a wake-up; one arriving behind a backlog shares its pass with
  // the other ready connections (backlog estimated from the queue's length in time).
  SimTime command_time(std::uint32_t s, std::uint32_t keys, SimTime start, SimTime arrive) const;

  FeatureStoreSetup setup_;
  Link out_;
  SimTime warmup_;
  std::vector<std::uint32_t> keys_on_shard_;
  std::vector<SimTime> free_at_;
  std::vector<SimTime> busy_;
  std::vector<std::uint64_t> commands_;
  // Per key count: a woken loop's cost, a full pass's share, and the deep-queue limit.
  std::vector<SimTime> idle_cost_, busy_cost_, deep_cost_;
  std::vector<double> max_depth_;

  std::uint64_t requests_ = 0, failover_waits_ = 0;
  SimTime min_latency_ = kTimeInfinity;
  Welford latency_;
  LatencyHistogram histogram_;
};

}  // namespace scalesim
