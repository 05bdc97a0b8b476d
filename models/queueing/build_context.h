// What a component's `from_config` may use while the network is built: its own name's LP, the
// names of the others (to resolve `to:` links), the network settings (warm-up, time-series
// interval) and the hardware catalog, loaded on first use. A component builds itself from its
// config node with this and nothing else, so adding one touches only its files and the registry.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hardware/catalog/catalog.h"
#include "models/queueing/customer.h"
#include "models/queueing/network_settings.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

using NameTable = std::map<std::string, LpId, std::less<>>;

class BuildContext {
 public:
  // `root` is the whole config (its `catalog:` key and origin locate the catalog, unless one is
  // given).
  BuildContext(const ConfigNode& root, const NameTable& names, NetworkSettings& settings,
               const hardware::Catalog* given = nullptr);

  // The component being built.
  void set_self(LpId lp) { self_ = lp; }
  LpId self() const { return self_; }

  // `to: name` or `to: {component: name, latency: 1ms}`; a component may not send to itself.
  Link link(const ConfigNode& node) const;
  // The link under `key`, if the key is there.
  std::optional<Link> optional_link(const ConfigNode& node, std::string_view key) const;
  // A component's LP from its name, or a ConfigError at `at` (with a suggestion).
  LpId resolve(const ConfigNode& at, const std::string& name) const;

  const NetworkSettings& settings() const { return settings_; }
  SimTime warmup() const { return settings_.warmup; }
  SimTime interval() const { return settings_.output_interval; }
  bool adaptive() const { return settings_.adaptive_interval; }

  // The hardware catalog (the config's `catalog:` folder, else the default), loaded once.
  const hardware::Catalog& catalog();
  // Hardware the component rents adds to the topology's price.
  void rent(double price_per_hour) { settings_.price_per_hour += price_per_hour; }

 private:
  const ConfigNode& root_;
  const NameTable& names_;
  NetworkSettings& settings_;
  LpId self_ = 0;
  const hardware::Catalog* given_ = nullptr;
  std::optional<hardware::Catalog> catalog_;
};

// A share written "5%" or as a fraction "0.05", in [0, 1].
double share_at(const ConfigNode& node);

}  // namespace scalesim
