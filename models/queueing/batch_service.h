// Batch service at a station (the hardware-free form of a model server's dynamic batching, for
// what-if studies and validation): a free server takes up to `max` waiting requests at once and
// serves them together. Triton's rule decides when: a full batch starts at once; a smaller one
// (at least `min`) starts when the oldest waiting request has waited `max_queue_delay` (at once
// when that is 0, the "general bulk service rule" of queueing theory). The batch's service time
// comes from a law that may depend on its size b: a distribution per size, else the station's
// `service`, plus `per_item` x b.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/queueing/customer.h"
#include "models/queueing/distribution.h"
#include "scalesim/random.h"
#include "scalesim/sim_time.h"

namespace scalesim {

struct BatchRule {
  std::uint32_t max = 1;
  std::uint32_t min = 1;
  SimTime max_queue_delay = 0;
  SimTime per_item = 0;
  std::vector<std::optional<Distribution>> by_size;  // index b - 1; empty: none
};

class BatchService {
 public:
  struct Member {
    Customer customer;
    SimTime entered = 0;
  };

  explicit BatchService(BatchRule rule) : rule_(std::move(rule)) {}

  const BatchRule& rule() const { return rule_; }

  // How many requests a free server should take now out of `waiting`, the oldest of which has
  // waited `oldest_waited`: 0 to keep waiting.
  std::uint32_t size_to_start(std::uint64_t waiting, SimTime oldest_waited) const {
    if (waiting >= rule_.max) return rule_.max;
    if (waiting < rule_.min || oldest_waited < rule_.max_queue_delay) return 0;
    return static_cast<std::uint32_t>(waiting);
  }

  // When a partial batch (at least `min` waiting) becomes due: `max_queue_delay` after the
  // oldest arrived.
  bool waits_for_delay(std::uint64_t waiting) const {
    return waiting >= rule_.min && waiting < rule_.max && rule_.max_queue_delay > 0;
  }

  SimTime service_time(LpRandom& rng, const Distribution& service, std::uint32_t size) const {
    const Distribution* law = &service;
    if (size <= rule_.by_size.size() && rule_.by_size[size - 1]) law = &*rule_.by_size[size - 1];
    return law->sample(rng) + rule_.per_item * size;
  }

  // The requests a server slot is serving (reused: no allocation once warm).
  std::vector<Member>& members(std::uint32_t slot) {
    if (slot >= members_.size()) members_.resize(slot + 1);
    return members_[slot];
  }

  void count_batch(std::uint32_t size) {
    ++batches_;
    batched_ += size;
  }
  std::uint64_t batches() const { return batches_; }
  double mean_batch_size() const {
    return batches_ > 0 ? static_cast<double>(batched_) / static_cast<double>(batches_) : 0.0;
  }
  void restore_counts(std::uint64_t batches, std::uint64_t batched) {
    batches_ = batches;
    batched_ = batched;
  }
  std::uint64_t batched() const { return batched_; }

  // At most one max_queue_delay timer is outstanding: when it fires, the rule is applied again.
  bool timer_pending() const { return timer_pending_; }
  void set_timer_pending(bool pending) { timer_pending_ = pending; }

 private:
  BatchRule rule_;
  std::vector<std::vector<Member>> members_;
  std::uint64_t batches_ = 0, batched_ = 0;
  bool timer_pending_ = false;
};

}  // namespace scalesim
