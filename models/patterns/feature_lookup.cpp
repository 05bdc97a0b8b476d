#include "models/patterns/feature_lookup.h"

namespace scalesim {

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
  // Costs tabulated per number of keys in the MGET (1..keys_per_request).
  for (std::uint32_t k = 1; k <= setup_.keys_per_request; ++k) {
    hardware::CommandShape shape;
    shape.command = k == 1 ? hardware::RedisCommand::kGet : hardware::RedisCommand::kMget;
    shape.keys = k;
    shape.key_bytes = setup_.key_bytes;
    shape.value_bytes = setup_.value_bytes;
    idle_cost_.push_back(from_seconds(
        1e-9 * hardware::cpu_per_command_ns(setup_.loop, setup_.commands, shape, 1, 1, true)));
    busy_cost_.push_back(
        from_seconds(1e-9 * hardware::cpu_per_command_ns(setup_.loop, setup_.commands, shape,
                                                         setup_.clients, 1, false)));
  }
}

SimTime FeatureLookup::command_time(std::uint32_t /*shard*/, std::uint32_t keys, SimTime start,
                                    SimTime arrive) const {
  const SimTime idle = idle_cost_[keys - 1];
  if (start <= arrive) return idle;  // the loop was asleep: a pass of its own
  // Commands ahead of this one, estimated from the backlog in time: they share passes.
  const SimTime busy = busy_cost_[keys - 1];
  const double backlog = static_cast<double>(start - arrive) / static_cast<double>(idle);
  const double ready = std::min<double>(setup_.clients, 1.0 + backlog);
  // Interpolate between a pass of one connection and a pass of `clients`.
  const double f = (ready - 1.0) / std::max(1.0, static_cast<double>(setup_.clients) - 1.0);
  return std::max<SimTime>(
      1, static_cast<SimTime>(static_cast<double>(idle) * (1 - f) + static_cast<double>(busy) * f));
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
