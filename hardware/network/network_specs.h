// Catalog entries for the network models: NICs, leaf-spine fabrics and object stores, as read
// from configs/hardware/network.yaml. Values are held in base units (bytes, bytes per second,
// nanoseconds, US dollars) so the models never convert; `source` keeps the citation text so a
// report can print where each figure came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scalesim/config/config_node.h"
#include "scalesim/sim_time.h"

namespace scalesim::hardware {

// A network adapter. Keys: line_rate (bandwidth, required), latency (duration, required),
// price_usd (number, optional), source (text).
struct NicSpec {
  std::string name;
  double line_rate = 0.0;  // bytes/s at the standard's data rate (after line coding)
  SimTime latency = 0;     // one-way adapter latency as published
  std::optional<double> price_usd;
  std::string source;

  static NicSpec from_config(const ConfigNode& node);
};

enum class Forwarding { kStoreAndForward, kCutThrough };

// A two-tier leaf-spine (folded Clos) fabric with one link from every leaf to every spine.
// Keys: hosts_per_leaf, leaves, spines (counts); host_link, spine_link (bandwidths);
// switch_latency (per switch traversed); link_latency (per cable, default 0); host_latency
// (adapter and stack, once per message, default 0); forwarding (store_and_forward or
// cut_through, default store_and_forward); zones (leaves split evenly, default 1);
// cross_zone_latency (added once to a message that crosses zones, default 0); source.
struct FabricSpec {
  std::string name;
  std::uint32_t hosts_per_leaf = 1;
  std::uint32_t leaves = 1;
  std::uint32_t spines = 1;
  std::uint32_t zones = 1;
  double host_link_bandwidth = 0.0;   // bytes/s, host <-> leaf, each direction
  double spine_link_bandwidth = 0.0;  // bytes/s, leaf <-> spine, each direction
  SimTime switch_latency = 0;
  SimTime link_latency = 0;
  SimTime host_latency = 0;
  SimTime cross_zone_latency = 0;
  Forwarding forwarding = Forwarding::kStoreAndForward;
  std::string source;

  std::uint32_t hosts() const { return hosts_per_leaf * leaves; }
  // Host-facing over spine-facing bandwidth of one leaf; 1 is non-blocking, 3 means 3:1.
  double oversubscription() const {
    return (hosts_per_leaf * host_link_bandwidth) / (spines * spine_link_bandwidth);
  }

  static FabricSpec from_config(const ConfigNode& node);
};

// An S3-like object store seen from one client. Keys: first_byte_latency (duration),
// stream_bandwidth (bandwidth of one connection), client_bandwidth (optional cap on all of a
// client's streams together, e.g. its NIC), price_per_gb_month, price_per_1000_gets,
// price_per_1000_puts (US dollars, GB = 1e9 bytes), source.
struct ObjectStoreSpec {
  std::string name;
  SimTime first_byte_latency = 0;
  double stream_bandwidth = 0.0;  // bytes/s
  std::optional<double> client_bandwidth;
  double price_per_gb_month = 0.0;
  double price_per_1000_gets = 0.0;
  double price_per_1000_puts = 0.0;
  std::string source;

  static ObjectStoreSpec from_config(const ConfigNode& node);
};

// The whole network catalog file: top-level maps `nics`, `fabrics`, `object_stores`.
struct NetworkCatalog {
  std::vector<NicSpec> nics;
  std::vector<FabricSpec> fabrics;
  std::vector<ObjectStoreSpec> object_stores;

  static NetworkCatalog from_config(const ConfigNode& root);
  static NetworkCatalog load_file(const std::string& path);

  // Lookups by name; a missing name is a ConfigError that suggests the closest one.
  const NicSpec& nic(std::string_view name) const;
  const FabricSpec& fabric(std::string_view name) const;
  const ObjectStoreSpec& object_store(std::string_view name) const;
};

}  // namespace scalesim::hardware
