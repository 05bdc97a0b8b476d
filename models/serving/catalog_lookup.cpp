#include "models/serving/catalog_lookup.h"

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
