#include "models/patterns/feature_lookup.h"

#include <cmath>

namespace scalesim {
namespace {

// What the server reads for `keys` keys of one request: the command's shape and how many of
// them arrive together on the connection.
struct ShardRead {
  hardware::CommandShape shape;
  std::uint32_t pipeline = 1;
};

ShardRead shard_read(const FeatureStoreSetup& s, std::uint32_t keys) {
  ShardRead r;
  r.shape.key_bytes = s.key_bytes;
  r.shape.value_bytes = s.value_bytes;
  switch (s.command) {
    case hardware::RedisCommand::kMget:
      r.shape.command = keys == 1 ? hardware::RedisCommand::kGet : hardware::RedisCommand::kMget;
      r.shape.keys = keys;
      break;
    case hardware::RedisCommand::kHgetall:
      r.shape.command = hardware::RedisCommand::kHgetall;
      r.shape.fields = s.fields;
      r.shape.field_bytes = s.field_bytes;
      r.pipeline = keys;
      break;
    default:
      r.shape.command = hardware::RedisCommand::kGet;
      r.pipeline = keys;
      break;
  }
  return r;
}

}  // namespace

double FeatureLookup::idle_read_ns(const FeatureStoreSetup& s, std::uint32_t keys) {
  const ShardRead r = shard_read(s, keys);
  return hardware::pass_cost(s.loop, s.commands, r.shape, 1, r.pipeline, true).total_ns();
}

double FeatureLookup::busy_read_ns(const FeatureStoreSetup& s, std::uint32_t keys) {
  const ShardRead r = shard_read(s, keys);
  return hardware::pass_cost(s.loop, s.commands, r.shape, s.clients, r.pipeline, false).total_ns() /
         s.clients;
}

double FeatureLookup::max_read_depth(const FeatureStoreSetup& s, std::uint32_t keys) {
  const ShardRead r = shard_read(s, keys);
  const auto bytes = static_cast<double>(r.shape.request_bytes() * r.pipeline);
  return std::max(1.0, std::floor(kRedisReadBufferBytes / bytes));
}

double FeatureLookup::saturated_read_ns(const FeatureStoreSetup& s, std::uint32_t keys) {
  const double deep = deep_read_ns(s, keys);
  return deep + (busy_read_ns(s, keys) - deep) / max_read_depth(s, keys);
}

double FeatureLookup::deep_read_ns(const FeatureStoreSetup& s, std::uint32_t keys) {
  // A pass's CPU is fixed + depth x variable (bytes and commands grow with the depth), so per
  // read it is variable + fixed / depth: twice the cost at depth 2 less the cost at depth 1.
  const ShardRead r = shard_read(s, keys);
  const double one =
      hardware::pass_cost(s.loop, s.commands, r.shape, s.clients, r.pipeline, false).total_ns();
  const double two =
      hardware::pass_cost(s.loop, s.commands, r.shape, s.clients, 2 * r.pipeline, false).total_ns();
  return (two - one) / s.clients;
}

FeatureLookup::FeatureLookup(FeatureStoreSetup setup, Link out, SimTime warmup, SimTime interval,
                             bool adaptive)
    : ComponentSeries(interval, 0, adaptive),
      setup_(std::move(setup)),
      out_(out),
      warmup_(warmup),
      keys_on_shard_(setup_.shards, 0),
      free_at_(setup_.shards, 0),
      busy_(setup_.shards, 0),
      commands_(setup_.shards, 0) {
  // Costs tabulated per number of keys on a shard (1..keys_per_request).
  for (std::uint32_t k = 1; k <= setup_.keys_per_request; ++k) {
    idle_cost_.push_back(from_seconds(1e-9 * idle_read_ns(setup_, k)));
    busy_cost_.push_back(from_seconds(1e-9 * busy_read_ns(setup_, k)));
    deep_cost_.push_back(from_seconds(1e-9 * deep_read_ns(setup_, k)));
    max_depth_.push_back(max_read_depth(setup_, k));
  }
}

SimTime FeatureLookup::command_time(std::uint32_t /*shard*/, std::uint32_t keys, SimTime start,
                                    SimTime arrive) const {
  const SimTime idle = idle_cost_[keys - 1];
  if (start <= arrive) return idle;  // the loop was asleep: a pass of its own
  // Commands ahead of this one, estimated from the backlog in time: they share passes.
  const SimTime busy = busy_cost_[keys - 1];
  const double backlog = static_cast<double>(start - arrive) / static_cast<double>(idle);
  const auto clients = static_cast<double>(setup_.clients);
  if (1.0 + backlog <= clients) {
    // Interpolate between a pass of one connection and a pass of `clients`.
    const double f = backlog / std::max(1.0, clients - 1.0);
    return std::max<SimTime>(1, static_cast<SimTime>(static_cast<double>(idle) * (1 - f) +
                                                     static_cast<double>(busy) * f));
  }
  // More reads outstanding than connections: they wait in the sockets and each read() takes
  // `depth` of them, so the pass's fixed costs spread further (cost = deep + (busy - deep) /
  // depth). redis-server reads at most 16 KiB per read() (PROTO_IOBUF_LEN), which bounds depth.
  const double depth =
      std::clamp((1.0 + static_cast<double>(start - arrive) / static_cast<double>(busy)) / clients,
                 1.0, max_depth_[keys - 1]);
  const auto deep = static_cast<double>(deep_cost_[keys - 1]);
  return std::max<SimTime>(1,
                           static_cast<SimTime>(deep + (static_cast<double>(busy) - deep) / depth));
}

double FeatureLookup::hot_shard_ratio() const {
  SimTime max = 0, total = 0;
  for (const SimTime b : busy_) {
    max = std::max(max, b);
    total += b;
  }
  return total > 0 ? static_cast<double>(max) * setup_.shards / static_cast<double>(total) : 0.0;
}

void FeatureLookup::save(ByteWriter& w) const {
  w.put(requests_);
  w.put(failover_waits_);
  w.put(min_latency_);
  w.put_vector(busy_);
  w.put_vector(commands_);
  latency_.save(w);
  histogram_.save(w);
  series_.save(w);
}

void FeatureLookup::load(ByteReader& r) {
  requests_ = r.get<std::uint64_t>();
  failover_waits_ = r.get<std::uint64_t>();
  min_latency_ = r.get<SimTime>();
  busy_ = r.get_vector<SimTime>();
  commands_ = r.get_vector<std::uint64_t>();
  latency_.load(r);
  histogram_.load(r);
  series_.load(r);
}

void FeatureLookup::hash_into(ResultHash& h) const {
  h.add(requests_);
  h.add(failover_waits_);
  h.add(std::span<const std::uint64_t>(commands_));
  h.add(latency_.mean());
  h.add(histogram_.counts());
}

}  // namespace scalesim
