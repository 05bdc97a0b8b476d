// Station event handling for the disciplines other than FIFO: priority classes (non-preemptive
// and preemptive-resume) and processor sharing. Definitions of Station's member templates,
// included at the end of station.h; include station.h, not this.
#pragma once

#include <algorithm>
#include <cstdint>

#include "models/queueing/station.h"

namespace scalesim {

template <class Ctx>
void Station::priority_service_done(Ctx& ctx, std::uint64_t id) {
  const auto slot = static_cast<std::uint32_t>(id);
  SlotInfo& info = slot_info_[slot];
  if (static_cast<std::uint32_t>(id >> 32) != info.generation) return;
  ++info.generation;
  slot_busy_[slot] = 0;
  const std::uint32_t level = info.level;
  const Held done = depart_from(ctx, slot);
  if (done.entered >= warmup_) {
    class_stats_[level].sojourn.add(to_seconds(ctx.now() - done.entered));
  }
  if (!priority_->empty()) {
    const PriorityWaiting next = priority_->pop_most_urgent();
    --waiting_count_;
    queued_.set(ctx.now(), static_cast<double>(waiting_count_));
    start_prioritised(ctx, next, priority_->level_of(next.customer));
  }
}

template <class Ctx>
void Station::priority_arrives(Ctx& ctx, const Held& h) {
  const std::uint32_t level = priority_->level_of(h.customer);
  const PriorityWaiting w{h.customer, h.entered, -1};
  if (in_service_ < servers_) {
    start_prioritised(ctx, w, level);
    return;
  }
  if (discipline_ == Discipline::kPreemptivePriority) {
    // Interrupt the least urgent service, the most recently started among equals.
    std::uint32_t victim = kNoSlot;
    for (std::uint32_t s = 0; s < slot_info_.size(); ++s) {
      if (slot_busy_[s] == 0 || slot_info_[s].level <= level) continue;
      if (victim == kNoSlot || slot_info_[s].level > slot_info_[victim].level ||
          (slot_info_[s].level == slot_info_[victim].level &&
           slot_info_[s].started > slot_info_[victim].started)) {
        victim = s;
      }
    }
    if (victim != kNoSlot) {
      preempt(ctx, victim);
      start_prioritised(ctx, w, level);
      return;
    }
  }
  priority_->push_back(level, w);
  ++waiting_count_;
  queued_.set(ctx.now(), static_cast<double>(waiting_count_));
}

template <class Ctx>
void Station::preempt(Ctx& ctx, std::uint32_t slot) {
  SlotInfo& info = slot_info_[slot];
  const Held& h = in_service_slots_[slot];
  priority_->push_front(info.level, {h.customer, h.entered, info.ends_at - ctx.now()});
  ++info.generation;  // its scheduled completion is now stale
  slot_busy_[slot] = 0;
  free_slots_.push_back(slot);
  --in_service_;
  busy_.set(ctx.now(), static_cast<double>(in_service_));
  ++waiting_count_;
  queued_.set(ctx.now(), static_cast<double>(waiting_count_));
  ++preemptions_;
}

template <class Ctx>
void Station::start_prioritised(Ctx& ctx, const PriorityWaiting& w, std::uint32_t level) {
  if (w.remaining < 0 && w.entered >= warmup_) {  // a resumed service waited already
    class_stats_[level].wait.add(to_seconds(ctx.now() - w.entered));
  }
  const Held h{w.customer, w.entered};
  if (w.remaining < 0) record_wait(h, ctx.now());
  const std::uint32_t slot = take_slot(ctx, h);
  if (slot_info_.size() < in_service_slots_.size()) {
    slot_info_.resize(in_service_slots_.size());
    slot_busy_.resize(in_service_slots_.size());
  }
  SlotInfo& info = slot_info_[slot];
  info.level = level;
  info.started = ctx.now();
  const SimTime service = w.remaining >= 0 ? w.remaining : service_.sample(ctx.rng());
  info.ends_at = ctx.now() + service;
  slot_busy_[slot] = 1;
  Customer token;
  token.id = slot | (std::uint64_t{info.generation} << 32);
  ctx.schedule(ctx.self(), service, kServiceDone, token);
}

template <class Ctx>
void Station::share_arrives(Ctx& ctx, const Held& h) {
  if (h.entered >= warmup_) {  // nobody waits under processor sharing
    add_wait(0);
  }
  sharing_->advance(ctx.now());
  sharing_->add({h.customer, h.entered}, service_.sample(ctx.rng()));
  sharing_changed(ctx);
}

template <class Ctx>
void Station::share_departs(Ctx& ctx, std::uint64_t generation) {
  if (generation != sharing_generation_) return;  // superseded by a later arrival
  sharing_->advance(ctx.now());
  const ProcessorSharing::Sharing done = sharing_->pop_next();
  leave(ctx, Held{done.customer, done.entered});
  sharing_changed(ctx);
}

template <class Ctx>
void Station::sharing_changed(Ctx& ctx) {
  const std::uint64_t n = sharing_->size();
  in_service_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, servers_));
  waiting_count_ = n - in_service_;
  busy_.set(ctx.now(), static_cast<double>(in_service_));
  queued_.set(ctx.now(), static_cast<double>(waiting_count_));
  if (n == 0) return;
  Customer token;
  token.id = ++sharing_generation_;
  ctx.schedule(ctx.self(), sharing_->time_to_next_departure(), kServiceDone, token);
}

}  // namespace scalesim
