#include "models/patterns/feature_lookup_config.h"

#include <cstdio>
#include <filesystem>

#include "hardware/redis/redis_catalog.h"
#include "hardware/redis/redis_memory.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"

namespace scalesim {

using namespace hardware;

FeatureStoreSetup feature_store_setup(const ConfigNode& node, const Catalog& catalog,
                                      std::uint64_t seed) {
  const auto at = [&](std::string_view key) { return node.at(key); };
  const std::string path =
      (std::filesystem::path(catalog.dir()) / "hardware" / "redis.yaml").string();
  std::vector<RedisNodeSpec> nodes;
  try {
    nodes = load_redis_catalog(path);
  } catch (const ConfigError& e) {
    node.fail(e.what());
  }
  const RedisNodeSpec* spec = nullptr;
  try {
    spec = &find_redis_node(nodes, node.string("redis_node"));
  } catch (const std::out_of_range& e) {
    at("redis_node").fail(e.what());
  }
  FeatureStoreSetup s;
  auto count = [&](std::string_view key, std::int64_t def, std::int64_t max) {
    const std::int64_t v = node.integer_or(key, def);
    if (v < 1 || v > max) at(key).fail("must be between 1 and " + std::to_string(max));
    return static_cast<std::uint32_t>(v);
  };
  s.shards = count("shards", 3, 1000);
  s.replicas = static_cast<std::uint32_t>(node.integer_or("replicas", 1));
  s.keys_per_request = count("keys_per_request", 1, 1000);
  s.clients = count("clients", 50, 100000);
  s.key_bytes = count("key_bytes", 16, 1 << 20);
  s.value_bytes = count("value_bytes", 100, 512 << 20);
  if (const auto c = node.find("command")) {
    const std::string name = c->as_string();
    if (name == "mget") {
      s.command = RedisCommand::kMget;
    } else if (name == "get") {
      s.command = RedisCommand::kGet;
    } else if (name == "hgetall") {
      s.command = RedisCommand::kHgetall;
    } else {
      c->fail("expected mget, get (pipelined GETs) or hgetall (pipelined HGETALLs), got '" + name +
              "'");
    }
  }
  if (s.command != RedisCommand::kHgetall) {
    for (const char* key : {"fields", "field_bytes"}) {
      if (node.has(key)) at(key).fail("only for command: hgetall");
    }
  }
  s.fields = count("fields", 20, 1 << 20);
  s.field_bytes = count("field_bytes", 8, 1 << 20);
  const std::uint32_t keys = count("keys", 1'000'000, 10'000'000);
  const double zipf = node.number_or("zipf", 0.0);
  if (zipf < 0) at("zipf").fail("the Zipf exponent may not be negative");
  s.rtt = node.duration_or("rtt", 200 * kMicrosecond);
  s.loop = spec->loop;
  s.commands = spec->commands;
  // Hash every key once: "entity:<rank>" to its slot's shard.
  RedisCluster cluster(s.shards, s.replicas);
  auto shard_of = std::make_shared<std::vector<std::uint16_t>>(keys);
  char key[32];
  for (std::uint32_t r = 0; r < keys; ++r) {
    const int n = std::snprintf(key, sizeof key, "entity:%u", r);
    (*shard_of)[r] = static_cast<std::uint16_t>(
        cluster.shard_of_key(std::string_view(key, static_cast<std::size_t>(n))));
  }
  s.shard_of_rank = std::move(shard_of);
  s.popularity = std::make_shared<const ZipfKeys>(keys, zipf);
  if (const auto f = node.find("failure")) {
    f->expect_keys({"shard", "at"});
    const std::int64_t shard = f->integer("shard");
    if (shard < 0 || shard >= s.shards) f->at("shard").fail("no such shard");
    s.failed_shard = static_cast<std::uint32_t>(shard);
    s.fail_at = f->duration("at");
    LpRandom rng(seed, 0xfa11);
    const auto promoted = cluster.fail_master(s.failed_shard, s.fail_at, rng);
    s.recovered_at = promoted ? *promoted : kTimeInfinity;
    if (!promoted) f->fail("the shard has no replica to promote (set replicas >= 1)");
  }
  // Memory: every key on its shard, as the calibrated memory model allocates it.
  const double per_key = static_cast<double>(
      s.command == RedisCommand::kHgetall
          ? spec->memory.hash_key_bytes(s.key_bytes, s.fields, s.field_bytes, s.value_bytes)
          : spec->memory.string_key_bytes(s.key_bytes, s.value_bytes));
  const double keys_per_shard = static_cast<double>(keys) / s.shards;
  s.memory_per_shard_bytes =
      spec->memory.base_bytes + keys_per_shard * per_key +
      static_cast<double>(MemoryModel::dict_bytes(static_cast<std::uint64_t>(keys_per_shard)));
  s.shard_memory_capacity =
      spec->maxmemory_bytes > 0 ? spec->data_memory_bytes() : spec->memory_bytes;
  if (spec->policy == EvictionPolicy::kNoEviction && s.shard_memory_capacity > 0 &&
      s.memory_per_shard_bytes > s.shard_memory_capacity) {
    at("keys").fail("the keys need " + std::to_string(s.memory_per_shard_bytes / 1e9) +
                    " GB per shard, more than node '" + spec->name + "' holds (" +
                    std::to_string(s.shard_memory_capacity / 1e9) +
                    " GB); writes would fail with OOM: add shards");
  }
  s.price_per_hour = spec->price_per_hour * s.shards * (1 + s.replicas);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "Redis Cluster of %u x %s (+%u replica%s each), %u keys Zipf(%.2f), %u keys per "
                "request read by %s, %.2f GB per shard",
                s.shards, spec->name.c_str(), s.replicas, s.replicas == 1 ? "" : "s", keys, zipf,
                s.keys_per_request,
                s.command == RedisCommand::kMget  ? "MGET"
                : s.command == RedisCommand::kGet ? "pipelined GETs"
                                                  : "pipelined HGETALLs",
                s.memory_per_shard_bytes / 1e9);
  s.description = buf;
  return s;
}

FeatureLookup FeatureLookup::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "redis_node", "shards", "replicas", "keys", "zipf", "keys_per_request",
                    "key_bytes", "value_bytes", "command", "fields", "field_bytes", "clients",
                    "rtt", "failure", "ttl", "to"});
  FeatureStoreSetup setup = feature_store_setup(node, ctx.catalog(), ctx.settings().seed);
  // How long a feature value stays valid: what a deployment's Feast feature views and Redis keys
  // expire after (scalesim export); lookups here always find their keys.
  if (node.has("ttl")) {
    setup.ttl = node.duration("ttl");
    if (setup.ttl <= 0) node.at("ttl").fail("a time to live must be greater than zero");
  }
  ctx.rent(setup.price_per_hour);
  return FeatureLookup(std::move(setup), ctx.link(node.at("to")), ctx.warmup(), ctx.interval(),
                       ctx.adaptive());
}

void FeatureLookup::report(ComponentReport& r, const ReportContext& ctx) const {
  r.text("store", setup().description, kText);
  r.count("lookups", requests(), kText);
  r.latency("lookup", latency().mean(), histogram(), kMean | kP50 | kP99, kMean | kP50 | kP99,
            true);
  r.value("min_lookup_s", to_seconds(min_latency()), Unit::kSeconds);
  r.value("rtt_s", to_seconds(setup().rtt), Unit::kSeconds);
  r.value("hot_shard_ratio", hot_shard_ratio(), Unit::kNumber, kHeadline | kText);
  double hottest = 0;
  for (std::uint32_t sh = 0; sh < setup().shards; ++sh) {
    hottest = std::max(hottest, shard_utilisation(sh, ctx.end_time));
  }
  r.value("hottest_shard_utilisation", hottest, Unit::kShare, kHeadline);
  r.value("memory_per_shard_bytes", setup().memory_per_shard_bytes, Unit::kBytes, kHeadline);
  r.count("failover_waits", failover_waits(), kHeadline);
  r.table(
      "shards", "shard", "shards",
      {{"commands", Unit::kCount, false, kDetail}, {"utilisation", Unit::kShare, false, kDetail}});
  for (std::uint32_t sh = 0; sh < setup().shards; ++sh) {
    r.row(std::to_string(sh),
          {static_cast<double>(commands(sh)), shard_utilisation(sh, ctx.end_time)});
  }
  r.summary_count(requests());
}

}  // namespace scalesim
