#include "models/serving/llm_engine.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace scalesim {

LlmEngine::LlmEngine(LlmEngineSetup setup, std::optional<Link> out, SimTime warmup,
                     SimTime interval, bool adaptive)
    : ComponentSeries(
          interval,
          static_cast<std::uint32_t>(std::min<std::uint64_t>(
              std::uint64_t{setup.replicas} * setup.pipeline_stages * setup.policy.max_num_seqs,
              UINT32_MAX)),
          adaptive),
      setup_(std::move(setup)),
      out_(out),
      warmup_(warmup),
      kv_series_(
          interval,
          static_cast<std::uint32_t>(std::min<std::uint64_t>(
              std::uint64_t{setup_.replicas} * setup_.pipeline_stages * setup_.policy.kv_blocks,
              UINT32_MAX)),
          adaptive),
      kv_used_(warmup),
      running_tw_(warmup),
      waiting_tw_(warmup),
      busy_replicas_(warmup),
      in_transfer_tw_(warmup) {
  const std::uint32_t engines = setup_.replicas * setup_.pipeline_stages;
  replicas_.reserve(engines);
  LlmSchedulerPolicy prefill = setup_.policy;
  prefill.hand_off_prefilled = true;
  for (std::uint32_t e = 0; e < engines; ++e) {
    const bool prefills = e / setup_.pipeline_stages < setup_.disaggregation.prefill_replicas;
    replicas_.emplace_back(prefills ? prefill : setup_.policy);
  }
  instances_.assign(engines, InstanceStats(warmup));
  replica_series_.assign(
      setup_.replicas,
      TimeSeriesRecorder(
          interval,
          static_cast<std::uint32_t>(std::min<std::uint64_t>(
              std::uint64_t{setup_.pipeline_stages} * setup_.policy.kv_blocks, UINT32_MAX)),
          adaptive));
  replica_blocks_.assign(setup_.replicas, 0);
  replica_running_.assign(setup_.replicas, 0);
  stage_free_.assign(engines, 0);
  if (setup_.routing == LlmRouting::kPrefixAffinity)
    affinity_.assign(setup_.policy.prefix_groups, -1);
  link_free_.assign(setup_.disaggregation.prefill_replicas, 0);
}

SimTime LlmEngine::iteration_time(std::uint32_t e, SimTime now) {
  const std::uint32_t stages = setup_.pipeline_stages;
  if (stages == 1) return setup_.step->iteration(work_);
  // The micro-batch enters the first stage when that stage is free, and each later stage when
  // the previous one has handed it over and the stage has finished the micro-batch before it.
  const SimTime stage = std::max<SimTime>(1, from_seconds(setup_.step->iteration_seconds(work_)));
  const SimTime handoff = from_seconds(setup_.step->stage_handoff_seconds(work_));
  SimTime* free = &stage_free_[std::size_t{e / stages} * stages];
  SimTime t = now + from_seconds(setup_.step->host_seconds(work_));  // scheduled, then run
  for (std::uint32_t k = 0; k < stages; ++k) {
    t = std::max(t, free[k]) + stage;
    free[k] = t;
    if (k + 1 < stages) t += handoff;
  }
  return t - now;
}

void LlmEngine::InstanceStats::save(ByteWriter& w) const {
  for (const TimeWeighted* x : {&in_system, &running, &kv_used, &busy}) x->save(w);
  time_in.save(w);
  batch.save(w);
  w.put(input_tokens);
  w.put(output_tokens);
}

void LlmEngine::InstanceStats::load(ByteReader& r) {
  for (TimeWeighted* x : {&in_system, &running, &kv_used, &busy}) x->load(r);
  time_in.load(r);
  batch.load(r);
  input_tokens = r.get<std::uint64_t>();
  output_tokens = r.get<std::uint64_t>();
}

void LlmEngine::account(std::uint32_t e, const Snapshot& before, SimTime now) {
  const LlmReplica& rep = replicas_[e];
  InstanceStats& st = instances_[e];
  const std::uint32_t r = e / setup_.pipeline_stages;
  if (rep.used_blocks() != before.blocks || rep.running() != before.running) {
    replica_series_[r].advance(now, static_cast<double>(replica_blocks_[r]),
                               static_cast<double>(replica_running_[r]));
    replica_blocks_[r] = replica_blocks_[r] + rep.used_blocks() - before.blocks;
    replica_running_[r] = replica_running_[r] + rep.running() - before.running;
  }
  const auto delta = [](std::uint64_t after, std::uint64_t was) {
    return static_cast<double>(after) - static_cast<double>(was);
  };
  if (rep.used_blocks() != before.blocks) {
    const double d = delta(rep.used_blocks(), before.blocks);
    kv_used_.add(now, d);
    st.kv_used.add(now, d);
  }
  if (rep.running() != before.running) {
    const double d = delta(rep.running(), before.running);
    running_tw_.add(now, d);
    st.running.add(now, d);
  }
  if (rep.waiting() != before.waiting) waiting_tw_.add(now, delta(rep.waiting(), before.waiting));
  if (rep.outstanding() != before.waiting + before.running) {
    st.in_system.add(now, delta(rep.outstanding(), before.waiting + before.running));
  }
  if (rep.busy() != before.busy) {
    busy_replicas_.add(now, rep.busy() ? 1.0 : -1.0);
    st.busy.add(now, rep.busy() ? 1.0 : -1.0);
  }
  running_ = running_ + rep.running() - before.running;
  waiting_ = waiting_ + rep.waiting() - before.waiting;
  kv_blocks_used_ = kv_blocks_used_ + rep.used_blocks() - before.blocks;
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
    const SimTime tpot = tpot_of(s, now);
    tpot_.add(to_seconds(tpot));
    tpot_hist_.add(static_cast<std::uint64_t>(tpot));
    good = good && tpot <= setup_.tpot_slo;
  }
  if (good) ++good_;
}

std::uint64_t LlmEngine::outstanding_of(std::uint32_t replica) const {
  std::uint64_t n = 0;
  for (std::uint32_t k = 0; k < setup_.pipeline_stages; ++k)
    n += replicas_[replica * setup_.pipeline_stages + k].outstanding();
  return n;
}

std::uint64_t LlmEngine::blocks_of(std::uint32_t replica) const {
  std::uint64_t n = 0;
  for (std::uint32_t k = 0; k < setup_.pipeline_stages; ++k)
    n += replicas_[replica * setup_.pipeline_stages + k].used_blocks();
  return n;
}

std::uint32_t LlmEngine::route(std::uint32_t first, std::uint32_t end, std::int32_t group) {
  const std::uint32_t n = end - first;
  std::uint32_t best = first;
  if (n == 1) {
    // the one replica
  } else if (setup_.routing == LlmRouting::kRoundRobin) {
    // One turn per pool: arrivals over the prefill pool (or all), transfers over the decode one.
    std::uint32_t& next = first == 0 ? next_replica_ : next_decode_replica_;
    best = first + next % n;
    next = (next + 1) % n;
  } else {
    std::uint64_t least = outstanding_of(first), most = least;
    for (std::uint32_t r = first + 1; r < end; ++r) {
      const std::uint64_t load = outstanding_of(r);
      most = std::max(most, load);
      const bool better = setup_.routing == LlmRouting::kLeastKvUsage
                              ? (blocks_of(r) < blocks_of(best) ||
                                 (blocks_of(r) == blocks_of(best) && load < least))
                              : load < least;
      if (better) {
        best = r;
        least = load;
      }
    }
    if (setup_.routing == LlmRouting::kPrefixAffinity && group >= 0) {
      std::int32_t& home = affinity_[static_cast<std::size_t>(group)];
      const bool balanced =
          most - least <= setup_.balance_abs ||
          static_cast<double>(most) <= setup_.balance_rel * static_cast<double>(least);
      if (balanced && home >= 0) best = static_cast<std::uint32_t>(home);
      home = static_cast<std::int32_t>(best);
    }
  }
  if (setup_.pipeline_stages == 1) return best;
  // vLLM hands a new request to the virtual engine with the fewest unfinished requests.
  const std::uint32_t base = best * setup_.pipeline_stages;
  std::uint32_t e = base;
  for (std::uint32_t k = 1; k < setup_.pipeline_stages; ++k) {
    if (replicas_[base + k].outstanding() < replicas_[e].outstanding()) e = base + k;
  }
  return e;
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

std::uint64_t LlmEngine::swaps() const {
  std::uint64_t n = loaded_swaps_;
  for (const LlmReplica& r : replicas_) n += r.swaps();
  return n;
}

void LlmEngine::save(ByteWriter& w) const {
  for (std::uint64_t v : {arrivals_, completed_, rejected_, iterations_, measured_, good_,
                          input_tokens_, output_tokens_, preemptions(), swaps()}) {
    w.put(v);
  }
  w.put(flops_);
  w.put(memory_bytes_);
  kv_series_.save(w);
  for (const TimeSeriesRecorder& t : replica_series_) t.save(w);
  for (const InstanceStats& st : instances_) st.save(w);
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
                           &input_tokens_, &output_tokens_, &loaded_preemptions_, &loaded_swaps_}) {
    *v = r.get<std::uint64_t>();
  }
  flops_ = r.get<double>();
  memory_bytes_ = r.get<double>();
  kv_series_.load(r);
  for (TimeSeriesRecorder& t : replica_series_) t.load(r);
  for (InstanceStats& st : instances_) st.load(r);
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
  // The loaded counts are the totals: the replicas of this copy (which may be the one that ran,
  // with several threads) must not add theirs again.
  for (LlmReplica& rep : replicas_) rep = LlmReplica(rep.policy());
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
  if (setup_.policy.swap_preemption) h.add(swaps());
}

}  // namespace scalesim
