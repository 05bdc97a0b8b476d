// Building a FeatureLookup from its config entry and the Redis catalog.
#pragma once

#include "hardware/catalog/catalog.h"
#include "models/patterns/feature_lookup.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

// Keys: redis_node, shards, replicas, keys, zipf, keys_per_request, key_bytes, value_bytes,
// command (mget, get, hgetall), fields, field_bytes, clients, rtt, failure {shard, at}. `seed`
// draws the failover's election delay.
FeatureStoreSetup feature_store_setup(const ConfigNode& node, const hardware::Catalog& catalog,
                                      std::uint64_t seed);

}  // namespace scalesim
