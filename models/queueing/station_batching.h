// Station event handling for batch service (batch_service.h has the rule). Definitions of
// Station's member templates, included at the end of station.h; include station.h, not this.
#pragma once

#include <cstdint>

#include "models/queueing/station.h"

namespace scalesim {

template <class Ctx>
void Station::start_batches(Ctx& ctx) {
  while (in_service_ < servers_ && waiting_count_ != 0) {
    drop_departed_at_front();
    const SimTime oldest = waiting_.front().entered;
    const std::uint32_t size = batch_->size_to_start(waiting_count_, ctx.now() - oldest);
    if (size == 0) {
      // A partial batch becomes due max_queue_delay after its oldest request arrived.
      if (batch_->waits_for_delay(waiting_count_) && !batch_->timer_pending()) {
        batch_->set_timer_pending(true);
        ctx.schedule(ctx.self(), oldest + batch_->rule().max_queue_delay - ctx.now(),
                     kBatchDelayEnds);
      }
      return;
    }
    const Held first = waiting_.front();
    const std::uint32_t slot = take_slot(ctx, first);
    auto& members = batch_->members(slot);
    members.clear();
    for (std::uint32_t i = 0; i < size; ++i) {
      drop_departed_at_front();
      const Held next = waiting_.pop_front();
      ++tickets_served_;
      record_wait(next, ctx.now());
      members.push_back({next.customer, next.entered});
    }
    waiting_count_ -= size;
    queued_.set(ctx.now(), static_cast<double>(waiting_count_));
    batch_->count_batch(size);
    Customer token;
    token.id = slot;
    ctx.schedule(ctx.self(), batch_->service_time(ctx.rng(), service_, size), kServiceDone, token);
  }
}

template <class Ctx>
void Station::batch_done(Ctx& ctx, std::uint32_t slot) {
  free_slots_.push_back(slot);
  --in_service_;
  busy_.set(ctx.now(), static_cast<double>(in_service_));
  for (const BatchService::Member& m : batch_->members(slot))
    leave(ctx, Held{m.customer, m.entered});
  start_batches(ctx);
}

}  // namespace scalesim
