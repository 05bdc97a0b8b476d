// Per-node constants the host derives from a model for the kernel (the same for every build).
#pragma once

#include <cstdint>

#include "sweep/mc/mc_model.h"

namespace scalesim::mc::kernel {

// Per-node constants derived on the host (same values for every backend). Plain data, outside
// the per-build namespace: the host makes the plans that every build reads.
struct NodePlan {
  std::int32_t slot = -1;             // arrival buffer (non-source nodes)
  std::int32_t first_pred = -1;       // first node with an edge here: initialises the buffer
  std::int32_t first_writes_all = 0;  // 1: first_pred sends every customer here (no initialisation)
  std::int32_t reaches_all = 0;       // 1: every customer of the replication arrives here
  std::int32_t erlang_k = 1;
  double ln_mu = 0;  // lognormal
  double ln_sigma = 0;
};

struct Plan {
  NodePlan node[kMaxNodes];
  std::int32_t slots = 0;     // arrival buffers in use at the same time
  std::int32_t capacity = 0;  // customers per replication
  std::int32_t servers = 1;   // server heap size (largest, capped at capacity)
};

enum Status : std::int32_t { kOk = 0, kCapacityExceeded = 1 };

}  // namespace scalesim::mc::kernel
