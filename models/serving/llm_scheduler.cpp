#include "models/serving/llm_scheduler.h"

#include <algorithm>

namespace scalesim {

// The vectors grow to the batch's peak and stay there, so a replica that has seen its peak
// allocates no more; nothing is reserved up front, since an engine may have many replicas and
// a configured maximum far above what a run reaches.
LlmReplica::LlmReplica(const LlmSchedulerPolicy& policy)
    : policy_(policy), phase_counts_(policy.block_size, 0) {}

bool LlmReplica::admissible(std::uint32_t prompt, std::uint32_t output) const {
  const std::uint64_t total = std::uint64_t{prompt} + output;
  if (prompt == 0 || output == 0 || total > policy_.max_model_len) return false;
  // Whole prompts must fit one iteration; a recomputed one holds all but the last token.
  if ((policy_.batching == LlmBatching::kPrefillFirst || policy_.batching == LlmBatching::kMixed) &&
      total - 1 > policy_.max_num_batched_tokens) {
    return false;
  }
  if (policy_.batching == LlmBatching::kStatic) return true;
  const std::uint64_t tokens =
      policy_.reservation == LlmKvReservation::kMaxLength ? policy_.max_model_len : total;
  return blocks_for(tokens) + policy_.watermark_blocks <= policy_.kv_blocks;
}

void LlmReplica::enqueue(const Customer& c, std::uint32_t prompt, std::uint32_t output, SimTime now,
                         std::int32_t group) {
  const std::uint32_t i = allocate_seq();
  LlmSequence& s = seqs_[i];
  s.group = policy_.prefix_caching ? group : -1;
  if (s.group >= 0 && static_cast<std::size_t>(s.group) >= groups_.size()) {
    groups_.resize(static_cast<std::size_t>(s.group) + 1);  // groups seen so far
  }
  s.customer = c;
  s.arrived = now;
  s.entered = now;
  s.prompt = prompt;
  s.output = output;
  s.to_prefill = prompt;
  s.state = LlmSequence::kWaiting;
  waiting_.push_back(i);
}

void LlmReplica::enqueue_prefilled(const LlmSequence& carried, SimTime now) {
  const std::uint32_t i = allocate_seq();
  LlmSequence& s = seqs_[i];
  const std::uint32_t epoch = s.epoch;
  s = carried;
  s.epoch = epoch;
  s.prev = s.next = LlmSequence::kNone;
  s.held_blocks = 0;
  s.group = -1;  // the prefix it brings is its own
  s.shared_blocks = 0;
  s.swapped_blocks = 0;
  s.entered = now;
  // The cache holds the prompt and every generated token but the last.
  s.to_prefill = s.prompt + s.generated - 1;
  s.prefilled = s.to_prefill;
  s.state = LlmSequence::kWaiting;
  waiting_.push_back(i);
}

std::uint32_t LlmReplica::decode_blocks_needed() const {
  if (decoding_ == 0 || policy_.reservation != LlmKvReservation::kPaged) return 0;
  const std::uint32_t b = policy_.block_size;
  return phase_counts_[static_cast<std::uint32_t>((b - decode_step_ % b) % b)];
}

void LlmReplica::admit_prefilled() {
  while (!waiting_.empty() && running_ < policy_.max_num_seqs) {
    const std::uint32_t i = waiting_.front();
    LlmSequence& s = seqs_[i];
    if (!carried(s)) return;  // needs a prefill here
    const std::uint32_t need = admission_blocks(s);
    // Room for it, for the step's decodes (so that it is not preempted at once) and its own
    // next token.
    const std::uint64_t next =
        policy_.reservation == LlmKvReservation::kPaged && s.to_prefill % policy_.block_size == 0
            ? 1
            : 0;
    if (!make_free(need + next + decode_blocks_needed() + policy_.watermark_blocks, -1)) return;
    waiting_.pop_front();
    used_blocks_ += need;
    s.held_blocks = need;
    if (s.swapped_blocks > 0) {  // swapped in: copied back from host memory
      host_blocks_ -= s.swapped_blocks;
      swap_traffic_ += s.swapped_blocks;
      s.swapped_blocks = 0;
    }
    link_running(i);
    start_decoding(i);
  }
}

std::uint32_t LlmReplica::prefix_blocks_of(const LlmSequence& s) const {
  if (s.group < 0) return 0;
  // At least the last prompt token is always computed (it produces the next token).
  return std::min(policy_.prefix_tokens, s.to_prefill - 1) / policy_.block_size;
}

std::uint64_t LlmReplica::prefix_resident_blocks() const {
  std::uint64_t n = 0;
  for (const PrefixGroup& g : groups_) n += g.resident;
  return n;
}

bool LlmReplica::make_free(std::uint64_t need, std::int32_t keep) {
  while (free_blocks() < need && evictable_ > 0) {
    PrefixGroup* oldest = nullptr;
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      PrefixGroup& g = groups_[i];
      if (g.users > 0 || g.resident == 0 || static_cast<std::int32_t>(i) == keep) continue;
      if (oldest == nullptr || g.last_use < oldest->last_use) oldest = &g;
    }
    if (oldest == nullptr) break;
    used_blocks_ -= oldest->resident;
    evictable_ -= oldest->resident;
    oldest->resident = 0;
  }
  return free_blocks() >= need;
}

void LlmReplica::leave_group(LlmSequence& s) {
  if (s.group < 0 || s.shared_blocks == 0) return;
  PrefixGroup& g = groups_[static_cast<std::size_t>(s.group)];
  if (--g.users == 0) evictable_ += g.resident;
  g.last_use = ++use_clock_;
  s.shared_blocks = 0;
}

std::uint32_t LlmReplica::allocate_seq() {
  if (!free_seqs_.empty()) {
    const std::uint32_t i = free_seqs_.back();
    free_seqs_.pop_back();
    return i;
  }
  seqs_.emplace_back();
  return static_cast<std::uint32_t>(seqs_.size() - 1);
}

void LlmReplica::release_seq(std::uint32_t i) {
  // The epoch survives reuse, so heap entries of the slot's earlier occupant stay stale.
  const std::uint32_t epoch = seqs_[i].epoch + 1;
  seqs_[i] = LlmSequence{};
  seqs_[i].epoch = epoch;
  free_seqs_.push_back(i);
}

void LlmReplica::link_running(std::uint32_t i) {
  LlmSequence& s = seqs_[i];
  s.prev = tail_;
  s.next = LlmSequence::kNone;
  if (tail_ != LlmSequence::kNone) seqs_[tail_].next = i;
  tail_ = i;
  if (head_ == LlmSequence::kNone) head_ = i;
  ++running_;
}

void LlmReplica::unlink_running(std::uint32_t i) {
  LlmSequence& s = seqs_[i];
  (s.prev != LlmSequence::kNone ? seqs_[s.prev].next : head_) = s.next;
  (s.next != LlmSequence::kNone ? seqs_[s.next].prev : tail_) = s.prev;
  s.prev = s.next = LlmSequence::kNone;
  --running_;
}

std::uint32_t LlmReplica::phase_of(std::int64_t base) const {
  const auto b = static_cast<std::int64_t>(policy_.block_size);
  return static_cast<std::uint32_t>(((base % b) + b) % b);
}

std::uint32_t LlmReplica::admission_blocks(const LlmSequence& s) const {
  switch (policy_.reservation) {
    case LlmKvReservation::kPaged:
      return blocks_for(s.to_prefill);
    case LlmKvReservation::kRequest:
      return blocks_for(std::uint64_t{s.prompt} + s.output);
    case LlmKvReservation::kMaxLength:
      return blocks_for(policy_.max_model_len);
  }
  return 0;
}

void LlmReplica::start_decoding(std::uint32_t i) {
  LlmSequence& s = seqs_[i];
  // decode_step_ is the step this sequence decodes first; before it the cache holds to_prefill.
  s.base = static_cast<std::int64_t>(s.to_prefill) - static_cast<std::int64_t>(decode_step_);
  s.state = LlmSequence::kDecoding;
  ++decoding_;
  base_sum_ += s.base;
  if (policy_.reservation == LlmKvReservation::kPaged) {
    ++phase_counts_[phase_of(s.base)];
    s.held_blocks = 0;  // counted from base from now on
  }
  endings_.push(Ending{decode_step_ + (s.output - s.generated) - 1, i, s.epoch});
}

void LlmReplica::stop_decoding(std::uint32_t i, std::uint64_t tokens_in_cache) {
  LlmSequence& s = seqs_[i];
  ++s.epoch;
  --decoding_;
  base_sum_ -= s.base;
  if (policy_.reservation == LlmKvReservation::kPaged) {
    --phase_counts_[phase_of(s.base)];
    used_blocks_ -= blocks_for(tokens_in_cache) - s.shared_blocks;
  } else {
    used_blocks_ -= s.held_blocks;
    s.held_blocks = 0;
  }
}

void LlmReplica::preempt(std::uint32_t i) {
  LlmSequence& s = seqs_[i];
  std::uint64_t cached = 0;
  if (s.state == LlmSequence::kDecoding) {
    cached = static_cast<std::uint64_t>(s.base + static_cast<std::int64_t>(decode_step_));
    s.generated = static_cast<std::uint32_t>(cached - s.prompt + 1);
    stop_decoding(i, cached);
  } else {
    used_blocks_ -= s.held_blocks;
    s.held_blocks = 0;
    prefilling_.erase(std::find(prefilling_.begin(), prefilling_.end(), i));
  }
  leave_group(s);
  unlink_running(i);
  const std::uint32_t blocks = blocks_for(cached);
  if (policy_.swap_preemption && cached > 0 && host_blocks_ + blocks <= policy_.swap_blocks) {
    // Swap: the cache (its shared prefix blocks too) is copied to host memory and copied back
    // when it is readmitted, ahead of every request still to be prefilled.
    s.swapped_blocks = blocks;
    host_blocks_ += blocks;
    swap_traffic_ += blocks;
    ++swaps_;
    s.group = -1;
    s.to_prefill = static_cast<std::uint32_t>(cached);
    s.prefilled = s.to_prefill;
  } else {
    // Recompute: the prompt and every token generated so far are prefilled again.
    s.to_prefill = s.prompt + s.generated;
    s.prefilled = 0;
  }
  s.state = LlmSequence::kWaiting;
  ++s.preemptions;
  ++preemptions_;
  waiting_.push_front(i);
}

void LlmReplica::make_room_for_decode() {
  // vLLM preempts the most recently admitted running request until the step's blocks fit
  // (cached prefixes without users are evicted first).
  std::uint32_t need = decode_blocks_needed();
  if (need > free_blocks()) {
    while (decoding_ > 0 && !make_free(need, -1)) {
      preempt(tail_);
      need = decode_blocks_needed();
    }
  }
  used_blocks_ += need;
}

void LlmReplica::add_chunk(IterationWork& w, std::uint32_t i, std::uint32_t tokens) {
  const LlmSequence& s = seqs_[i];
  const double t = tokens;
  const double o = s.prefilled;
  w.prefill_tokens += tokens;
  w.prefill_pairs += t * o + t * (t + 1) / 2;
  w.prefill_kv_reads += s.prefilled;
  ++w.prefill_seqs;
  chunks_.push_back(Chunk{i, tokens});
}

void LlmReplica::admit(IterationWork& w, std::uint64_t& budget, SimTime now) {
  const bool chunked = policy_.batching == LlmBatching::kChunked;
  while (!waiting_.empty() && running_ < policy_.max_num_seqs) {
    const std::uint32_t i = waiting_.front();
    LlmSequence& s = seqs_[i];
    if (carried(s)) break;  // a swapped-out request goes first, and only whole
    // With a prefix group: its cached full blocks are not computed again, the rest of its
    // prefix is computed into the group's blocks, and only the remainder is the request's own.
    const std::uint32_t shared = prefix_blocks_of(s);
    PrefixGroup* group = shared > 0 ? &groups_[static_cast<std::size_t>(s.group)] : nullptr;
    const std::uint32_t hit = group != nullptr ? std::min(group->resident, shared) : 0;
    const std::uint32_t own = admission_blocks(s) - shared;
    const std::uint32_t need = own + (shared - hit);
    if (!make_free(need + policy_.watermark_blocks, s.group)) break;
    const std::uint32_t cached = hit * policy_.block_size;
    std::uint32_t tokens = s.to_prefill - cached;
    if (chunked) {
      if (budget == 0) break;
      tokens = static_cast<std::uint32_t>(std::min<std::uint64_t>(tokens, budget));
    } else if (tokens > budget) {
      break;
    }
    waiting_.pop_front();
    used_blocks_ += need;
    s.held_blocks = own;
    if (group != nullptr) {
      if (group->users++ == 0) evictable_ -= group->resident;
      group->resident = std::max(group->resident, shared);
      group->last_use = ++use_clock_;
      s.shared_blocks = shared;
    }
    if (policy_.prefix_caching) {
      prefix_queries_ += s.to_prefill;
      prefix_hits_ += cached;
    }
    s.state = LlmSequence::kPrefilling;
    s.prefilled = cached;
    if (s.first_scheduled < 0) s.first_scheduled = now;
    link_running(i);
    prefilling_.push_back(i);
    add_chunk(w, i, tokens);
    budget -= tokens;
  }
}

bool LlmReplica::plan(IterationWork& w, SimTime now) {
  for (const std::uint32_t i : finished_) release_seq(i);
  for (const std::uint32_t i : handed_off_) release_seq(i);
  finished_.clear();
  handed_off_.clear();
  first_tokens_.clear();
  chunks_.clear();
  w = IterationWork{};
  swap_traffic_ = 0;
  decode_planned_ = false;
  if (policy_.batching == LlmBatching::kStatic) return busy_ = plan_static(w, now);
  admit_prefilled();
  std::uint64_t budget = policy_.max_num_batched_tokens;
  if (policy_.batching == LlmBatching::kPrefillFirst) {
    admit(w, budget, now);
    if (chunks_.empty() && decoding_ > 0) make_room_for_decode();
    decode_planned_ = chunks_.empty() && decoding_ > 0;
  } else {
    const std::uint64_t before = preemptions_;
    if (decoding_ > 0) make_room_for_decode();
    decode_planned_ = decoding_ > 0;
    if (decode_planned_) budget -= std::min<std::uint64_t>(budget, decoding_);
    if (policy_.batching == LlmBatching::kChunked) {
      for (const std::uint32_t i : prefilling_) {
        if (budget == 0) break;
        const LlmSequence& s = seqs_[i];
        const auto t =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(s.to_prefill - s.prefilled, budget));
        add_chunk(w, i, t);
        budget -= t;
      }
    }
    // As vLLM: no new request joins a step that had to preempt.
    if (preemptions_ == before) admit(w, budget, now);
  }
  planned_decodes_ = decode_planned_ ? decoding_ : 0;
  w.swapped_blocks = swap_traffic_;
  if (decode_planned_) {
    w.decode_seqs = decoding_;
    w.context_tokens =
        static_cast<std::uint64_t>(base_sum_ + static_cast<std::int64_t>(decoding_) *
                                                   static_cast<std::int64_t>(decode_step_ + 1));
  }
  busy_ = w.sequences() > 0;
  return busy_;
}

bool LlmReplica::plan_static(IterationWork& w, SimTime now) {
  static_batch_.clear();
  while (!waiting_.empty() && static_batch_.size() < policy_.max_num_seqs) {
    const std::uint32_t i = waiting_.pop_front();
    LlmSequence& s = seqs_[i];
    s.first_scheduled = now;
    s.state = LlmSequence::kDecoding;
    w.static_prompt = std::max(w.static_prompt, s.prompt);
    w.static_output = std::max(w.static_output, s.output);
    static_batch_.push_back(i);
  }
  w.static_batch = static_cast<std::uint32_t>(static_batch_.size());
  running_ = w.static_batch;
  return w.static_batch > 0;
}

void LlmReplica::complete(SimTime now) {
  busy_ = false;
  if (policy_.batching == LlmBatching::kStatic) {
    // The whole answer returns at once: its first token arrives with its last.
    for (const std::uint32_t i : static_batch_) {
      LlmSequence& s = seqs_[i];
      s.first_token = now;
      s.generated = s.output;
      first_tokens_.push_back(i);
      finished_.push_back(i);
      generated_ += s.output;
    }
    static_batch_.clear();
    running_ = 0;
    return;
  }
  if (decode_planned_) {
    generated_ += planned_decodes_;
    const std::uint64_t t = decode_step_;
    while (!endings_.empty() && endings_.top().step <= t) {
      const Ending e = endings_.top();
      endings_.pop();
      LlmSequence& s = seqs_[e.seq];
      if (s.state != LlmSequence::kDecoding || s.epoch != e.epoch) continue;  // preempted since
      s.generated = s.output;
      stop_decoding(e.seq, static_cast<std::uint64_t>(s.base + static_cast<std::int64_t>(t) + 1));
      leave_group(s);
      unlink_running(e.seq);
      finished_.push_back(e.seq);
    }
    ++decode_step_;
  }
  for (const Chunk& c : chunks_) {
    LlmSequence& s = seqs_[c.seq];
    s.prefilled += c.tokens;
    if (s.prefilled < s.to_prefill) continue;
    prefilling_.erase(std::find(prefilling_.begin(), prefilling_.end(), c.seq));
    ++s.generated;
    ++generated_;
    if (s.first_token < 0) {
      s.first_token = now;
      first_tokens_.push_back(c.seq);
    }
    if (s.generated >= s.output || policy_.hand_off_prefilled) {
      // Done, or (a prefill instance) leaving with its cache for a decode instance.
      used_blocks_ -= s.held_blocks;
      s.held_blocks = 0;
      leave_group(s);
      unlink_running(c.seq);
      (s.generated >= s.output ? finished_ : handed_off_).push_back(c.seq);
    } else {
      start_decoding(c.seq);
    }
  }
  chunks_.clear();
}

}  // namespace scalesim
