// Catalog lookups for components' configs: a miss is a ConfigError at the key (`model`, or
// `gpu` / `software`) with the catalog's "did you mean". The catalog itself reads only catalog
// files; what a component's config means is the component's business.
#pragma once

#include <string>

#include "hardware/catalog/catalog.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

const hardware::ModelProfile& model_at(const ConfigNode& node, const hardware::Catalog& catalog);
hardware::GpuPerformance performance_at(const ConfigNode& node, const hardware::Catalog& catalog,
                                        const std::string& default_stack);
// A link given as a catalog NIC by name (its line rate and adapter latency) or as a bandwidth
// ("100Gbps", "25GB/s", no latency); a ConfigError at the node otherwise.
struct LinkRate {
  double bandwidth = 0;  // bytes/s
  SimTime latency = 0;
};
LinkRate link_rate_at(const ConfigNode& node, const hardware::Catalog& catalog);
// `precision:` if given (amp = fp16), else `fallback`.
hardware::Precision precision_at(const ConfigNode& node, hardware::Precision fallback);

}  // namespace scalesim
