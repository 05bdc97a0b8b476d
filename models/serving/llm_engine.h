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
#include "models/serving/memory_needs.h"
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
  kPrefixAffinity,    // a prefix group's requests go where its first one went (SGLang's
                      // cache-aware router) while the load is balanced; least outstanding else
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
  // Pipeline parallelism: each replica runs this many micro-batches through as many stages
  // (vLLM's virtual engines), each with its own scheduler and 1/stages of the KV blocks.
  std::uint32_t pipeline_stages = 1;
  LlmSchedulerPolicy policy;
  LlmRouting routing = LlmRouting::kLeastOutstanding;
  // kPrefixAffinity: the load is unbalanced (and affinity is ignored) when the busiest replica
  // has more than `balance_abs` requests more than the idlest and more than `balance_rel` times
  // as many (SGLang router defaults: 32 and 1.0001).
  std::uint32_t balance_abs = 32;
  double balance_rel = 1.0001;
  std::shared_ptr<const LlmStepTime> step;  // immutable, shared
  double price_per_hour = 0;                // all replicas
  double peak_flops = 0;                    // one replica's GPUs, dense, at the precision
  double peak_memory_bandwidth = 0;         // one replica's GPUs' HBM, bytes/s
  // For requests without token counts (synthetic sources): 0 = such requests are an error.
  std::uint32_t default_prompt = 0, default_output = 0;
  SimTime ttft_slo = kTimeInfinity, tpot_slo = kTimeInfinity;  // goodput
  LlmDisaggregation disaggregation;
  double prefix_share = 0;  // share of requests in a prefix group (prefix_sharing)
  MemoryNeeds memory;       // per replica (on GPUs)
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
    kv_series_.advance(ctx.now(), static_cast<double>(kv_blocks_used_),
                       static_cast<double>(running_));
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
  std::uint64_t kv_blocks_in_use() const { return kv_blocks_used_; }
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
  double memory_bytes_moved() const { return memory_bytes_; }     // measured, weights + KV
  std::uint64_t swaps() const;  // preemptions that swapped the cache out to host memory
  // KV-cache share in use (utilisation column), sequences running (queue_length column) and
  // output tokens per second (throughput column) over time: HDF5 kv_timeseries.
  const TimeSeriesRecorder& kv_series() const { return kv_series_; }
  // The same per replica (its micro-batches together): HDF5 replica_timeseries.
  const std::vector<TimeSeriesRecorder>& replica_series() const { return replica_series_; }
  // The by_replica table's name of replica r: "0", "1", ... or "prefill0", "decode1", ...
  std::string replica_name(std::uint32_t r) const {
    const std::uint32_t prefill = setup_.disaggregation.prefill_replicas;
    return (r < prefill ? "prefill" : prefill > 0 ? "decode" : "") + std::to_string(r);
  }
  // Engine instances: replicas x pipeline stages (each stage count runs as many micro-batches).
  std::uint32_t engines() const { return static_cast<std::uint32_t>(replicas_.size()); }
  // Per engine instance, since warm-up: what Little's law relates on each.
  struct InstanceStats {
    explicit InstanceStats(SimTime warmup)
        : in_system(warmup), running(warmup), kv_used(warmup), busy(warmup) {}
    TimeWeighted in_system, running, kv_used, busy;
    Welford time_in;  // seconds from joining the instance to leaving it (done or handed off)
    Welford batch;    // sequences per iteration
    std::uint64_t input_tokens = 0, output_tokens = 0;
    void save(ByteWriter& w) const;
    void load(ByteReader& r);
  };
  const InstanceStats& instance(std::uint32_t e) const { return instances_[e]; }
  // Mean share of the KV cache in use, over the replicas and the time since warm-up.
  double kv_utilisation(SimTime now) const {
    return kv_used_.mean(now) / (static_cast<double>(setup_.policy.kv_blocks) * engines());
  }
  double peak_kv_utilisation() const {
    return kv_used_.peak() / (static_cast<double>(setup_.policy.kv_blocks) * engines());
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
    kv_series_.finish(end, static_cast<double>(kv_blocks_used_), static_cast<double>(running_));
    for (std::size_t r = 0; r < replica_series_.size(); ++r) {
      replica_series_[r].finish(end, static_cast<double>(replica_blocks_[r]),
                                static_cast<double>(replica_running_[r]));
    }
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
    if (!replicas_[0].admissible(prompt, output)) {  // longer than the engine takes: vLLM
      ++rejected_;                                   // ignores it
      return;
    }
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
    const std::uint32_t e = route(0, first_decode_replica(), group);
    LlmReplica& rep = replicas_[e];
    const Snapshot before = snapshot(rep);
    rep.enqueue(c, prompt, output, ctx.now(), group);
    if (!rep.busy()) start_iteration(ctx, e);
    account(e, before, ctx.now());
  }

  template <class Ctx>
  void start_iteration(Ctx& ctx, std::uint32_t e) {
    if (!replicas_[e].plan(work_, ctx.now())) return;
    ++iterations_;
    if (ctx.now() >= warmup_) {
      batch_.add(work_.sequences());
      instances_[e].batch.add(work_.sequences());
      input_tokens_ += work_.prefill_tokens;
      instances_[e].input_tokens += work_.prefill_tokens;
      flops_ += setup_.step->iteration_flops(work_);
      memory_bytes_ += setup_.step->iteration_memory_bytes(work_);
    }
    Customer token;
    token.id = e;
    ctx.schedule(ctx.self(), iteration_time(e, ctx.now()), kIterationDone, token);
  }

  template <class Ctx>
  void end_iteration(Ctx& ctx, std::uint32_t e) {
    LlmReplica& rep = replicas_[e];
    const SimTime now = ctx.now();
    const Snapshot before = snapshot(rep);
    const std::uint64_t generated = rep.generated_tokens();
    rep.complete(now);
    const std::uint64_t tokens = rep.generated_tokens() - generated;
    kv_series_.count(tokens);
    replica_series_[e / setup_.pipeline_stages].count(tokens);
    if (now >= warmup_) {
      output_tokens_ += tokens;
      instances_[e].output_tokens += tokens;
    }
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
      if (s.entered >= warmup_) instances_[e].time_in.add(to_seconds(now - s.entered));
      if (out_) {
        Customer c = s.customer;
        c.served_by = ctx.self();
        c.ttft = to_half(static_cast<float>(to_seconds(s.first_token - c.created)));
        c.tpot = s.output > 1 ? to_half(static_cast<float>(to_seconds(tpot_of(s, now)))) : kNoHalf;
        ctx.schedule(out_->to, out_->latency, kCustomerArrives, c);
      }
    }
    for (const std::uint32_t i : rep.handed_off()) {
      const LlmSequence& s = rep.sequence(i);
      if (s.entered >= warmup_) instances_[e].time_in.add(to_seconds(now - s.entered));
      start_transfer(ctx, e / setup_.pipeline_stages, s);
    }
    start_iteration(ctx, e);
    account(e, before, now);
  }

  // A prefilled request leaves prefill replica `r`: its KV cache queues on the replica's link
  // (which the replica's micro-batches share).
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
    const std::uint32_t e = route(first_decode_replica(), setup_.replicas, -1);
    LlmReplica& rep = replicas_[e];
    const Snapshot before = snapshot(rep);
    rep.enqueue_prefilled(transfers_[slot], ctx.now());
    free_transfers_.push_back(slot);
    if (!rep.busy()) start_iteration(ctx, e);
    account(e, before, ctx.now());
  }

  // Moves the engine-wide and instance `e`'s counts by what its step changed.
  void account(std::uint32_t e, const Snapshot& before, SimTime now);
  void record(const LlmSequence& s, SimTime now);
  // TPOT: the mean gap between output tokens after the first (REQUIRES: s.output > 1).
  static SimTime tpot_of(const LlmSequence& s, SimTime now) {
    return (now - s.first_token) / static_cast<SimTime>(s.output - 1);
  }
  // The engine instance a request joins: a replica among [first, end) by the router, then
  // (pipeline parallelism) the replica's micro-batch with the fewest requests, as vLLM does.
  std::uint32_t route(std::uint32_t first, std::uint32_t end, std::int32_t group);
  std::uint64_t outstanding_of(std::uint32_t replica) const;
  std::uint64_t blocks_of(std::uint32_t replica) const;
  // When instance `e`'s planned iteration (work_) ends, from `now`: its pass through the
  // replica's pipeline stages, each taking one micro-batch at a time.
  SimTime iteration_time(std::uint32_t e, SimTime now);
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
  std::vector<std::int32_t> affinity_;  // prefix group -> replica its last request went to
  std::vector<SimTime> stage_free_;     // replica x stage: when the stage takes the next pass
  std::vector<InstanceStats> instances_;
  IterationWork work_;
  std::uint64_t running_ = 0, waiting_ = 0;  // over all replicas
  std::uint64_t kv_blocks_used_ = 0;
  std::uint64_t arrivals_ = 0, completed_ = 0, rejected_ = 0, iterations_ = 0;
  std::uint64_t measured_ = 0, good_ = 0, input_tokens_ = 0, output_tokens_ = 0;
  // Counts of a copy loaded from another rank (the replicas hold them otherwise).
  std::uint64_t loaded_preemptions_ = 0, loaded_prefix_hits_ = 0, loaded_prefix_queries_ = 0,
                loaded_swaps_ = 0;
  Welford preempted_;  // preemptions per measured request
  double flops_ = 0, memory_bytes_ = 0;
  TimeSeriesRecorder kv_series_;
  std::vector<TimeSeriesRecorder> replica_series_;               // per replica
  std::vector<std::uint64_t> replica_blocks_, replica_running_;  // per replica, now
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
