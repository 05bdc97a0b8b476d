#include "models/serving/llm_engine.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace scalesim {

LlmEngine::LlmEngine(LlmEngineSetup setup, std::optional<Link> out, SimTime warmup,
                     SimTime interval, bool adaptive)
    : ComponentSeries(interval,
                      static_cast<std::uint32_t>(std::min<std::uint64_t>(
                          std::uint64_t{setup.replicas} * setup.policy.max_num_seqs, UINT32_MAX)),
                      adaptive),
      setup_(std::move(setup)),
      out_(out),
      warmup_(warmup),
      kv_used_(warmup),
      running_tw_(warmup),
      waiting_tw_(warmup),
      busy_replicas_(warmup),
      in_transfer_tw_(warmup) {
  replicas_.reserve(setup_.replicas);
  LlmSchedulerPolicy prefill = setup_.policy;
  prefill.hand_off_prefilled = true;
  for (std::uint32_t r = 0; r < setup_.replicas; ++r) {
    replicas_.emplace_back(r < setup_.disaggregation.prefill_replicas ? prefill : setup_.policy);
  }
  link_free_.assign(setup_.disaggregation.prefill_replicas, 0);
}

void LlmEngine::account(const LlmReplica& rep, const Snapshot& before, SimTime now) {
  const auto delta = [](std::uint64_t after, std::uint64_t was) {
    return static_cast<double>(after) - static_cast<double>(was);
  };
  if (rep.used_blocks() != before.blocks)
    kv_used_.add(now, delta(rep.used_blocks(), before.blocks));
  if (rep.running() != before.running) running_tw_.add(now, delta(rep.running(), before.running));
  if (rep.waiting() != before.waiting) waiting_tw_.add(now, delta(rep.waiting(), before.waiting));
  if (rep.busy() != before.busy) busy_replicas_.add(now, rep.busy() ? 1.0 : -1.0);
  running_ = running_ + rep.running() - before.running;
  waiting_ = waiting_ + rep.waiting() - before.waiting;
}

void LlmEngine::record(const LlmSequence& s, SimTime now) {
  ++measured_;
  const SimTime e2e = now - s.arrived;
  e2e_.add(to_seconds(e2e));
  e2e_hist_.add(static_cast<std::uint64_t>(e2e));
  const SimTime queued = s.first_scheduled - s.arrived;
  queue_.add(to_seconds(queued));
  queue_hist_.add(static_cast<std::uint64_t>(queued));
  normalized_.add(to_seconds(e2e) / s.output);
  preempted_.add(s.preemptions);
  const SimTime ttft = s.first_token - s.arrived;
  bool good = ttft <= setup_.ttft_slo;
  if (s.output > 1) {
    // TPOT: the mean gap between output tokens after the first (none for a static batch,
    // whose answer returns whole).
    const SimTime tpot = (now - s.first_token) / static_cast<SimTime>(s.output - 1);
    tpot_.add(to_seconds(tpot));
    tpot_hist_.add(static_cast<std::uint64_t>(tpot));
    good = good && tpot <= setup_.tpot_slo;
  }
  if (good) ++good_;
}

std::uint32_t LlmEngine::route(std::uint32_t first, std::uint32_t end) {
  const std::uint32_t n = end - first;
  if (n == 1) return first;
  if (setup_.routing == LlmRouting::kRoundRobin) {
    // One turn per pool: arrivals over the prefill pool (or all), transfers over the decode one.
    std::uint32_t& next = first == 0 ? next_replica_ : next_decode_replica_;
    const std::uint32_t r = first + next % n;
    next = (next + 1) % n;
    return r;
  }
  std::uint32_t best = first;
  for (std::uint32_t r = first + 1; r < end; ++r) {
    const LlmReplica& a = replicas_[r];
    const LlmReplica& b = replicas_[best];
    const bool better =
        setup_.routing == LlmRouting::kLeastKvUsage
            ? (a.used_blocks() < b.used_blocks() ||
               (a.used_blocks() == b.used_blocks() && a.outstanding() < b.outstanding()))
            : a.outstanding() < b.outstanding();
    if (better) best = r;
  }
  return best;
}

void LlmEngine::throw_without_tokens() const {
  throw std::runtime_error("llm_engine '" + setup_.name +
                           "': a request without token counts arrived (a trace without prompt "
                           "and output token columns, or a synthetic source); give the engine "
                           "prompt_tokens and output_tokens for such requests");
}

double LlmEngine::prefix_cache_hit_rate() const {
  std::uint64_t hits = loaded_prefix_hits_, queries = loaded_prefix_queries_;
  for (const LlmReplica& r : replicas_) {
    hits += r.prefix_hits();
    queries += r.prefix_queries();
  }
  return queries > 0 ? static_cast<double>(hits) / static_cast<double>(queries) : 0.0;
}

std::uint64_t LlmEngine::preemptions() const {
  std::uint64_t n = loaded_preemptions_;
  for (const LlmReplica& r : replicas_) n += r.preemptions();
  return n;
}

void LlmEngine::save(ByteWriter& w) const {
  for (std::uint64_t v : {arrivals_, completed_, rejected_, iterations_, measured_, good_,
                          input_tokens_, output_tokens_, preemptions()}) {
    w.put(v);
  }
  w.put(flops_);
  w.put(transfers_done_);
  w.put(transfer_bytes_);
  transfer_s_.save(w);
  in_transfer_tw_.save(w);
  for (const Welford* x : {&ttft_, &tpot_, &e2e_, &queue_, &normalized_, &batch_, &preempted_})
    x->save(w);
  for (const LatencyHistogram* h : {&ttft_hist_, &tpot_hist_, &e2e_hist_, &queue_hist_}) h->save(w);
  kv_used_.save(w);
  running_tw_.save(w);
  waiting_tw_.save(w);
  busy_replicas_.save(w);
  series_.save(w);
  std::uint64_t hits = loaded_prefix_hits_, queries = loaded_prefix_queries_;
  for (const LlmReplica& rep : replicas_) {
    hits += rep.prefix_hits();
    queries += rep.prefix_queries();
  }
  w.put(hits);
  w.put(queries);
}

void LlmEngine::load(ByteReader& r) {
  for (std::uint64_t* v : {&arrivals_, &completed_, &rejected_, &iterations_, &measured_, &good_,
                           &input_tokens_, &output_tokens_, &loaded_preemptions_}) {
    *v = r.get<std::uint64_t>();
  }
  flops_ = r.get<double>();
  transfers_done_ = r.get<std::uint64_t>();
  transfer_bytes_ = r.get<double>();
  transfer_s_.load(r);
  in_transfer_tw_.load(r);
  for (Welford* x : {&ttft_, &tpot_, &e2e_, &queue_, &normalized_, &batch_, &preempted_})
    x->load(r);
  for (LatencyHistogram* h : {&ttft_hist_, &tpot_hist_, &e2e_hist_, &queue_hist_}) h->load(r);
  kv_used_.load(r);
  running_tw_.load(r);
  waiting_tw_.load(r);
  busy_replicas_.load(r);
  series_.load(r);
  loaded_prefix_hits_ = r.get<std::uint64_t>();
  loaded_prefix_queries_ = r.get<std::uint64_t>();
}

void LlmEngine::hash_into(ResultHash& h, SimTime now) const {
  for (std::uint64_t v : {arrivals_, completed_, rejected_, iterations_, measured_, good_,
                          input_tokens_, output_tokens_, preemptions()}) {
    h.add(v);
  }
  h.add(flops_);
  for (const Welford* x : {&ttft_, &tpot_, &e2e_, &queue_, &normalized_, &batch_}) h.add(x->mean());
  for (const LatencyHistogram* x : {&ttft_hist_, &tpot_hist_, &e2e_hist_, &queue_hist_})
    h.add(x->counts());
  h.add(kv_utilisation(now));
  h.add(mean_running(now));
  if (setup_.policy.prefix_caching) h.add(prefix_cache_hit_rate());
  if (setup_.disaggregation.prefill_replicas > 0) {
    h.add(transfers_done_);
    h.add(transfer_bytes_);
    h.add(transfer_s_.mean());
  }
}

}  // namespace scalesim
