// LlmEngine: decoder LLMs served at iteration level (continuous batching), as vLLM, Sarathi-Serve,
// Orca and TensorRT-LLM schedule them, on one or more replicas behind a router. Each replica is
// an LlmReplica (models/serving/llm_scheduler.h: queue, running batch, paged KV cache); every
// iteration is one event whose duration LlmStepTime prices (constants, or the GPU roofline with
// tensor parallelism). Reported per request: time to first token, time per output token,
// end-to-end and queueing delay; per engine: tokens per second, batch size, KV-cache use,
// preemptions, MFU and goodput (requests meeting both latency SLOs).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "models/serving/llm_scheduler.h"
#include "models/serving/llm_step_time.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_weighted.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kIterationDone = 17;   // a replica's forward pass ends (id: replica)
inline constexpr EventKind kKvTransferDone = 18;  // a prefilled request's KV cache has arrived
                                                  // at the decode pool (id: its transfer slot)

// How the router in front of the replicas picks one for a new request.
enum class LlmRouting : std::uint8_t {
  kRoundRobin,
  kLeastOutstanding,  // fewest requests queued or running
  kLeastKvUsage,      // fewest KV blocks in use (ties: fewest outstanding)
};

// Prefill/decode disaggregation (DistServe, Splitwise): the first `prefill_replicas` replicas
// only prefill; each prompt's KV cache then crosses the link of its prefill replica (one
// transfer at a time per replica, at `bandwidth`, plus `latency`) to a decode replica.
struct LlmDisaggregation {
  std::uint32_t prefill_replicas = 0;  // 0: not disaggregated
  double bandwidth = 0;                // bytes/s of a prefill replica's link
  SimTime latency = 0;
  double kv_bytes_per_token = 0;  // the whole model's keys and values of one token
};

struct LlmEngineSetup {
  std::string name;         // the component's, for run-time errors
  std::string description;  // "llama-7b fp16 on 2 x (1 x A100-SXM4-80GB), vllm, ..."
  std::string scheduler;    // vllm, sarathi, orca, tensorrt_llm, static
  std::uint32_t replicas = 1;
  std::uint32_t gpus_per_replica = 1;
  LlmSchedulerPolicy policy;
  LlmRouting routing = LlmRouting::kLeastOutstanding;
  std::shared_ptr<const LlmStepTime> step;  // immutable, shared
  double price_per_hour = 0;                // all replicas
  double peak_flops = 0;                    // one replica's GPUs, dense, at the precision
  // For requests without token counts (synthetic sources): 0 = such requests are an error.
  std::uint32_t default_prompt = 0, default_output = 0;
  SimTime ttft_slo = kTimeInfinity, tpot_slo = kTimeInfinity;  // goodput
  LlmDisaggregation disaggregation;
  double prefix_share = 0;  // share of requests in a prefix group (prefix_sharing)
};

class LlmEngine : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "llm_engine";  // config `type:`
  static LlmEngine from_config(const ConfigNode& node, BuildContext& ctx);
  void report(ComponentReport& r, const ReportContext& ctx) const;

  LlmEngine(LlmEngineSetup setup, std::optional<Link> out, SimTime warmup, SimTime interval = 0,
            bool adaptive = false);

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), static_cast<double>(running_), static_cast<double>(waiting_));
    if (ev.kind == kCustomerArrives) {
      arrive(ctx, ev.payload);
    } else if (ev.kind == kIterationDone) {
      end_iteration(ctx, static_cast<std::uint32_t>(ev.payload.id));
    } else if (ev.kind == kKvTransferDone) {
      end_transfer(ctx, static_cast<std::uint32_t>(ev.payload.id));
    }
  }

  const LlmEngineSetup& setup() const { return setup_; }
  const std::optional<Link>& out() const { return out_; }
  std::uint64_t arrivals() const { return arrivals_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t preemptions() const;
  // Prefix caching: share of admitted prompt tokens found in the cache.
  double prefix_cache_hit_rate() const;
  // KV blocks in use now over the replicas, and of those held by prefix groups.
  std::uint64_t kv_blocks_in_use() const {
    std::uint64_t n = 0;
    for (const LlmReplica& r : replicas_) n += r.used_blocks();
    return n;
  }
  std::uint64_t prefix_blocks_cached() const {
    std::uint64_t n = 0;
    for (const LlmReplica& r : replicas_) n += r.prefix_resident_blocks();
    return n;
  }
  std::uint64_t iterations() const { return iterations_; }
  const LatencyHistogram& ttft() const { return ttft_hist_; }
  const LatencyHistogram& tpot() const { return tpot_hist_; }
  const LatencyHistogram& end_to_end() const { return e2e_hist_; }
  const LatencyHistogram& queueing() const { return queue_hist_; }
  const Welford& ttft_seconds() const { return ttft_; }
  const Welford& tpot_seconds() const { return tpot_; }
  const Welford& end_to_end_seconds() const { return e2e_; }
  const Welford& queueing_seconds() const { return queue_; }
  const Welford& normalized_latency() const { return normalized_; }  // s per output token
  const Welford& batch_size() const { return batch_; }               // sequences per iteration
  const Welford& preemptions_per_request() const { return preempted_; }
  std::uint64_t measured_completions() const { return measured_; }
  std::uint64_t good_completions() const { return good_; }        // both SLOs met
  std::uint64_t input_tokens() const { return input_tokens_; }    // measured, prefilled
  std::uint64_t output_tokens() const { return output_tokens_; }  // measured, generated
  double flops() const { return flops_; }                         // measured iterations
  // Mean share of the KV cache in use, over the replicas and the time since warm-up.
  double kv_utilisation(SimTime now) const {
    return kv_used_.mean(now) / (static_cast<double>(setup_.policy.kv_blocks) * setup_.replicas);
  }
  double peak_kv_utilisation() const {
    return kv_used_.peak() / (static_cast<double>(setup_.policy.kv_blocks) * setup_.replicas);
  }
  double mean_running(SimTime now) const { return running_tw_.mean(now); }
  // Requests queued or running, averaged over the time since warm-up.
  // Requests queued, running or moving between pools, averaged over the time since warm-up.
  double mean_in_system(SimTime now) const {
    return running_tw_.mean(now) + waiting_tw_.mean(now) + in_transfer_tw_.mean(now);
  }
  std::uint64_t kv_transfers() const { return transfers_done_; }  // measured
  const Welford& kv_transfer_seconds() const { return transfer_s_; }
  double kv_transfer_bytes() const { return transfer_bytes_; }
  double mean_busy_replicas(SimTime now) const { return busy_replicas_.mean(now); }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void finish(SimTime end) {
    series_.finish(end, static_cast<double>(running_), static_cast<double>(waiting_));
  }
  void hash_into(ResultHash& h, SimTime now) const;

 private:
  // What an event changes of a replica, read before it, so that the engine-wide counts can
  // move by the difference afterwards.
  struct Snapshot {
    std::uint64_t blocks, waiting, running;
    bool busy;
  };
  static Snapshot snapshot(const LlmReplica& rep) {
    return {rep.used_blocks(), rep.waiting(), rep.running(), rep.busy()};
  }

  template <class Ctx>
  void arrive(Ctx& ctx, const Customer& c) {
    ++arrivals_;
    const std::uint32_t prompt = c.size != 0 ? c.size : setup_.default_prompt;
    const std::uint32_t output = c.aux != 0 ? c.aux : setup_.default_output;
    if (prompt == 0 || output == 0) throw_without_tokens();
    const std::uint32_t r = route(0, first_decode_replica());
    LlmReplica& rep = replicas_[r];
    if (!rep.admissible(prompt, output)) {  // longer than the engine takes: vLLM ignores it
      ++rejected_;
      return;
    }
    const Snapshot before = snapshot(rep);
    std::int32_t group = -1;
    if (setup_.prefix_share > 0) {
      // One draw: below the share, it also picks the group uniformly.
      const double u = ctx.rng().uniform();
      if (u < setup_.prefix_share) {
        group = static_cast<std::int32_t>(
            std::min<double>(u / setup_.prefix_share * setup_.policy.prefix_groups,
                             setup_.policy.prefix_groups - 1));
      }
    }
    rep.enqueue(c, prompt, output, ctx.now(), group);
    if (!rep.busy()) start_iteration(ctx, r);
    account(rep, before, ctx.now());
  }

  template <class Ctx>
  void start_iteration(Ctx& ctx, std::uint32_t r) {
    if (!replicas_[r].plan(work_, ctx.now())) return;
    ++iterations_;
    if (ctx.now() >= warmup_) {
      batch_.add(work_.sequences());
      input_tokens_ += work_.prefill_tokens;
      flops_ += setup_.step->iteration_flops(work_);
    }
    Customer token;
    token.id = r;
    ctx.schedule(ctx.self(), setup_.step->iteration(work_), kIterationDone, token);
  }

  template <class Ctx>
  void end_iteration(Ctx& ctx, std::uint32_t r) {
    LlmReplica& rep = replicas_[r];
    const SimTime now = ctx.now();
    const Snapshot before = snapshot(rep);
    const std::uint64_t generated = rep.generated_tokens();
    rep.complete(now);
    if (now >= warmup_) output_tokens_ += rep.generated_tokens() - generated;
    for (const std::uint32_t i : rep.first_tokens()) {
      const LlmSequence& s = rep.sequence(i);
      if (s.arrived >= warmup_) {
        ttft_.add(to_seconds(now - s.arrived));
        ttft_hist_.add(static_cast<std::uint64_t>(now - s.arrived));
      }
    }
    for (const std::uint32_t i : rep.finished()) {
      const LlmSequence& s = rep.sequence(i);
      ++completed_;
      series_.count();
      if (s.arrived >= warmup_) record(s, now);
      if (out_) {
        Customer c = s.customer;
        c.served_by = ctx.self();
        ctx.schedule(out_->to, out_->latency, kCustomerArrives, c);
      }
    }
    for (const std::uint32_t i : rep.handed_off()) start_transfer(ctx, r, rep.sequence(i));
    start_iteration(ctx, r);
    account(rep, before, now);
  }

  // A prefilled request leaves prefill replica `r`: its KV cache queues on the replica's link.
  template <class Ctx>
  void start_transfer(Ctx& ctx, std::uint32_t r, const LlmSequence& s) {
    const LlmDisaggregation& d = setup_.disaggregation;
    const double bytes = static_cast<double>(s.prompt + s.generated - 1) * d.kv_bytes_per_token;
    const SimTime start = std::max(ctx.now(), link_free_[r]);
    link_free_[r] = start + std::max<SimTime>(1, from_seconds(bytes / d.bandwidth));
    const SimTime arrives = link_free_[r] + d.latency;
    std::uint32_t slot = 0;
    if (free_transfers_.empty()) {
      slot = static_cast<std::uint32_t>(transfers_.size());
      transfers_.push_back(s);
    } else {
      slot = free_transfers_.back();
      free_transfers_.pop_back();
      transfers_[slot] = s;
    }
    ++in_transfer_;
    in_transfer_tw_.add(ctx.now(), 1.0);
    if (ctx.now() >= warmup_) {
      ++transfers_done_;
      transfer_s_.add(to_seconds(arrives - ctx.now()));
      transfer_bytes_ += bytes;
    }
    Customer token;
    token.id = slot;
    ctx.schedule(ctx.self(), arrives - ctx.now(), kKvTransferDone, token);
  }

  template <class Ctx>
  void end_transfer(Ctx& ctx, std::uint32_t slot) {
    --in_transfer_;
    in_transfer_tw_.add(ctx.now(), -1.0);
    const std::uint32_t r = route(first_decode_replica(), setup_.replicas);
    LlmReplica& rep = replicas_[r];
    const Snapshot before = snapshot(rep);
    rep.enqueue_prefilled(transfers_[slot]);
    free_transfers_.push_back(slot);
    if (!rep.busy()) start_iteration(ctx, r);
    account(rep, before, ctx.now());
  }

  // Moves the engine-wide counts by what a replica's step changed.
  void account(const LlmReplica& rep, const Snapshot& before, SimTime now);
  void record(const LlmSequence& s, SimTime now);
  // The replica a request joins among [first, end).
  std::uint32_t route(std::uint32_t first, std::uint32_t end);
  std::uint32_t first_decode_replica() const {
    return setup_.disaggregation.prefill_replicas > 0 ? setup_.disaggregation.prefill_replicas
                                                      : setup_.replicas;
  }
  [[noreturn]] void throw_without_tokens() const;

  LlmEngineSetup setup_;
  std::optional<Link> out_;
  SimTime warmup_;
  std::vector<LlmReplica> replicas_;
  std::uint32_t next_replica_ = 0, next_decode_replica_ = 0;
  IterationWork work_;
  std::uint64_t running_ = 0, waiting_ = 0;  // over all replicas
  std::uint64_t arrivals_ = 0, completed_ = 0, rejected_ = 0, iterations_ = 0;
  std::uint64_t measured_ = 0, good_ = 0, input_tokens_ = 0, output_tokens_ = 0;
  // Counts of a copy loaded from another rank (the replicas hold them otherwise).
  std::uint64_t loaded_preemptions_ = 0, loaded_prefix_hits_ = 0, loaded_prefix_queries_ = 0;
  Welford preempted_;  // preemptions per measured request
  double flops_ = 0;
  Welford ttft_, tpot_, e2e_, queue_, normalized_, batch_;
  LatencyHistogram ttft_hist_, tpot_hist_, e2e_hist_, queue_hist_;
  TimeWeighted kv_used_, running_tw_, waiting_tw_, busy_replicas_;
  // Disaggregation: requests between the pools, each prefill replica's link.
  std::vector<LlmSequence> transfers_;
  std::vector<std::uint32_t> free_transfers_;
  std::vector<SimTime> link_free_;
  std::uint64_t in_transfer_ = 0, transfers_done_ = 0;
  double transfer_bytes_ = 0;
  Welford transfer_s_;
  TimeWeighted in_transfer_tw_;
};

}  // namespace scalesim
