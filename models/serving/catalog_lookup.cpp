#include "models/serving/catalog_lookup.h"

#include <algorithm>
#include <vector>

namespace scalesim {

using namespace hardware;

const ModelProfile& model_at(const ConfigNode& node, const Catalog& catalog) {
  try {
    return catalog.model(node.string("model"));
  } catch (const CatalogError& e) {
    node.at("model").fail(e.what());
  }
}

GpuPerformance performance_at(const ConfigNode& node, const Catalog& catalog,
                              const std::string& default_stack) {
  const std::string stack = node.string_or("software", default_stack);
  try {
    return catalog.performance(node.string("gpu"), stack);
  } catch (const CatalogError& e) {
    const bool stack_missing = node.has("software") && !catalog.stacks().contains(stack);
    node.at(stack_missing ? "software" : "gpu").fail(e.what());
  }
}

LinkRate link_rate_at(const ConfigNode& node, const Catalog& catalog) {
  const std::string text = node.as_string();
  const auto& nics = catalog.network().nics;
  LinkRate rate;
  if (std::any_of(nics.begin(), nics.end(), [&](const auto& n) { return n.name == text; })) {
    const auto& nic = catalog.network().nic(text);
    rate = LinkRate{nic.line_rate, nic.latency};
  } else {
    try {
      rate.bandwidth = node.as_bandwidth();
    } catch (const ConfigError&) {
      std::string msg = "'" + text + "' is neither a bandwidth (1Gbps) nor a catalog NIC";
      std::vector<std::string> names;
      names.reserve(nics.size());
      for (const auto& n : nics) names.push_back(n.name);
      if (auto near = closest_match(text, names)) msg += "; did you mean '" + *near + "'?";
      node.fail(msg);
    }
  }
  if (!(rate.bandwidth > 0)) node.fail("must be greater than zero");
  return rate;
}

Precision precision_at(const ConfigNode& node, Precision fallback) {
  const auto p = node.find("precision");
  if (!p) return fallback;
  const auto parsed = parse_precision(p->as_string());
  if (!parsed) {
    p->fail("unknown precision '" + p->as_string() + "'; use fp32, tf32, fp16, bf16, int8 or amp");
  }
  return *parsed;
}

}  // namespace scalesim
