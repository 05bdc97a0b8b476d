// Triton's dynamic batcher as a decision rule: when a model instance is free and requests
// wait, which batch leaves now, or until when to hold them.
//
// Triton semantics (model_config.proto, "dynamic_batching"): a batch never exceeds
// max_batch_size; if the waiting requests can make one of the preferred sizes, the largest such
// size goes at once; otherwise the batcher holds them until the oldest has waited
// max_queue_delay (default 0: no holding), then sends as many as it can.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "scalesim/sim_time.h"

namespace scalesim::hardware {

struct DynamicBatching {
  int max_batch_size = 1;
  std::vector<int> preferred_batch_sizes;  // ascending after validate()
  SimTime max_queue_delay = 0;

  // Throws std::invalid_argument for sizes outside [1, max_batch_size].
  void validate() {
    if (max_batch_size < 1) throw std::invalid_argument("max_batch_size must be at least 1");
    std::sort(preferred_batch_sizes.begin(), preferred_batch_sizes.end());
    for (const int s : preferred_batch_sizes) {
      if (s < 1 || s > max_batch_size) {
        throw std::invalid_argument(
            "preferred batch size " + std::to_string(s) +
            " is outside [1, max_batch_size = " + std::to_string(max_batch_size) + "]");
      }
    }
  }

  struct Decision {
    int batch = 0;                       // > 0: send this many now (oldest first)
    SimTime hold_until = kTimeInfinity;  // batch == 0: decide again then (or on an arrival)
  };

  // `waiting` requests queue, the oldest since `oldest_arrival`; an instance is free at `now`.
  Decision decide(std::int64_t waiting, SimTime oldest_arrival, SimTime now) const {
    if (waiting <= 0) return {};
    if (waiting >= max_batch_size) return {max_batch_size, kTimeInfinity};
    for (auto it = preferred_batch_sizes.rbegin(); it != preferred_batch_sizes.rend(); ++it) {
      if (*it <= waiting) return {*it, kTimeInfinity};
    }
    const SimTime deadline = oldest_arrival + max_queue_delay;
    if (now >= deadline) return {static_cast<int>(waiting), kTimeInfinity};
    return {0, deadline};
  }
};

}  // namespace scalesim::hardware
