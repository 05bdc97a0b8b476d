#include "models/queueing/resource_requirements.h"

#include <cstdio>

#include "models/patterns/feature_lookup.h"
#include "models/serving/llm_engine.h"
#include "models/serving/model_server.h"

namespace scalesim {
namespace {

void add(ResourceRequirements& r, const MemoryNeeds& m, std::uint32_t replicas) {
  r.gpus += static_cast<std::uint64_t>(m.gpus) * replicas;
  r.gpu_memory_bytes += static_cast<double>(m.gpus) * replicas * m.gpu_bytes;
  r.gpu_capacity_bytes += static_cast<double>(m.gpus) * replicas * m.gpu_capacity_bytes;
  r.host_memory_bytes += replicas * m.host_bytes;
}

}  // namespace

ResourceRequirements resource_requirements(const QueueingNetwork& net) {
  ResourceRequirements r;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const auto& c = net.component(lp);
    if (const auto* m = std::get_if<ModelServer>(&c))
      add(r, m->setup().memory, m->setup().replicas);
    if (const auto* e = std::get_if<LlmEngine>(&c)) add(r, e->setup().memory, e->setup().replicas);
    if (const auto* f = std::get_if<FeatureLookup>(&c)) {
      const std::uint64_t nodes =
          static_cast<std::uint64_t>(f->setup().shards) * (1 + f->setup().replicas);
      r.redis_nodes += nodes;
      r.redis_memory_bytes += static_cast<double>(nodes) * f->setup().memory_per_shard_bytes;
    }
  }
  return r;
}

std::string resource_text(const ResourceRequirements& r) {
  std::string s;
  char buf[160];
  if (r.gpus > 0) {
    std::snprintf(buf, sizeof buf, "%llu GPU%s (%.3g of %.3g GB in use)",
                  static_cast<unsigned long long>(r.gpus), r.gpus == 1 ? "" : "s",
                  r.gpu_memory_bytes / 1e9, r.gpu_capacity_bytes / 1e9);
    s += buf;
  }
  if (r.host_memory_bytes > 0) {
    std::snprintf(buf, sizeof buf, "host memory %.3g GB", r.host_memory_bytes / 1e9);
    s += (s.empty() ? "" : ", ") + std::string(buf);
  }
  if (r.redis_nodes > 0) {
    std::snprintf(buf, sizeof buf, "Redis %.3g GB on %llu nodes", r.redis_memory_bytes / 1e9,
                  static_cast<unsigned long long>(r.redis_nodes));
    s += (s.empty() ? "" : ", ") + std::string(buf);
  }
  return s;
}

}  // namespace scalesim
