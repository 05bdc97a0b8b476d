// One LLM engine instance (a replica on its GPUs) scheduling at iteration level: the request
// queue, the running batch, the paged KV cache and what each forward pass (an iteration) holds.
// It knows nothing of events or time costs: LlmEngine asks it for the next iteration's work,
// prices that work with LlmStepTime and tells it when the iteration ends.
//
// Cost per iteration does not grow with the batch: decoding sequences live in aggregates (how
// many, the sum of their contexts, how many cross a KV-block boundary at each step, grouped by
// their phase modulo the block size) and a heap keyed by the decode step at which each one ends.
// Work per request is a constant number of heap and list operations; work per token is none.
#pragma once

#include <cstdint>
#include <functional>  // std::greater
#include <queue>
#include <string>
#include <vector>

#include "models/queueing/customer.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/sim_time.h"

namespace scalesim {

// How an iteration is filled.
enum class LlmBatching : std::uint8_t {
  kPrefillFirst,  // vLLM (V0) without chunked prefill: a prefill-only iteration whenever new
                  // requests can be admitted, decodes otherwise
  kMixed,         // Orca, TensorRT-LLM: decodes and whole prompts in the same iteration
  kChunked,       // Sarathi-Serve, vLLM chunked prefill: decodes first, then prompt chunks
                  // filling the token budget
  kStatic,        // a batch is prefilled together and held until its longest answer ends
};

// How KV-cache blocks are granted.
enum class LlmKvReservation : std::uint8_t {
  kPaged,      // blocks as tokens arrive (vLLM, TensorRT-LLM max_utilization); may preempt
  kRequest,    // the request's prompt + output at admission (TensorRT-LLM guaranteed_no_evict)
  kMaxLength,  // max_model_len at admission (Orca, FasterTransformer)
};

struct LlmSchedulerPolicy {
  LlmBatching batching = LlmBatching::kPrefillFirst;
  LlmKvReservation reservation = LlmKvReservation::kPaged;
  std::uint32_t max_num_seqs = 256;             // sequences in the running batch
  std::uint32_t max_num_batched_tokens = 4096;  // tokens per iteration (prefill + decode)
  std::uint32_t max_model_len = 4096;           // prompt + output of one request
  std::uint32_t block_size = 16;                // tokens per KV block
  std::uint64_t kv_blocks = 0;                  // blocks in the cache
  std::uint64_t watermark_blocks = 0;           // kept free when admitting (vLLM: 1%)
  // A prefill instance of a disaggregated engine: a request whose prompt is in the cache (and
  // whose first token is out) leaves for a decode instance instead of decoding here.
  bool hand_off_prefilled = false;
  // Automatic prefix caching (vLLM's enable_prefix_caching), paged caches only: requests of a
  // prefix group share the full KV blocks of its first `prefix_tokens` tokens, which stay
  // cached after their last user leaves until a new admission needs the room (least recently
  // used group first).
  bool prefix_caching = false;
  std::uint32_t prefix_tokens = 0;
  std::uint32_t prefix_groups = 0;
  // vLLM's preemption_mode swap: a preempted decoding request's KV blocks move to host memory
  // (`swap_blocks` of them fit there) and come back before any new request is admitted. When
  // host memory is full it is recomputed instead (vLLM aborts the request).
  bool swap_preemption = false;
  std::uint64_t swap_blocks = 0;
};

// What one iteration does: the step-time model prices it.
struct IterationWork {
  std::uint64_t prefill_tokens = 0;    // prompt tokens processed (whole prompts or chunks)
  double prefill_pairs = 0;            // query-key pairs the prefill attention computes
  std::uint64_t prefill_kv_reads = 0;  // cached tokens the chunks attend to (earlier chunks)
  std::uint32_t prefill_seqs = 0;
  std::uint32_t decode_seqs = 0;     // sequences producing one token each
  std::uint64_t context_tokens = 0;  // KV tokens the decode attention reads
  std::uint64_t swapped_blocks = 0;  // KV blocks copied between GPU and host (either way)
  // A static batch (LlmBatching::kStatic): its size, longest prompt and longest output.
  std::uint32_t static_batch = 0, static_prompt = 0, static_output = 0;

  std::uint32_t sequences() const { return prefill_seqs + decode_seqs + static_batch; }
};

// A request inside a replica.
struct LlmSequence {
  static constexpr std::uint32_t kNone = 0xffffffffu;
  enum State : std::uint8_t { kFree, kWaiting, kPrefilling, kDecoding };

  Customer customer;
  SimTime arrived = 0;
  SimTime first_scheduled = -1;  // first admitted into the batch (queueing delay ends)
  SimTime first_token = -1;
  std::uint32_t prompt = 0, output = 0;
  std::uint32_t generated = 0;       // output tokens produced so far
  std::uint32_t to_prefill = 0;      // tokens the current prefill covers (prompt + generated)
  std::uint32_t prefilled = 0;       // of those, already in the cache
  std::uint32_t held_blocks = 0;     // blocks held outside the paged decode aggregate
  std::int32_t group = -1;           // prefix group (-1: none)
  std::uint32_t shared_blocks = 0;   // its group's prefix blocks it uses while admitted
  std::uint32_t swapped_blocks = 0;  // KV blocks it holds in host memory (swapped out)
  SimTime entered = 0;               // joined this replica (arrival, or the end of a transfer)
  std::int64_t base = 0;             // decoding: KV tokens after decode step t are base + t + 1
  std::uint32_t prev = kNone, next = kNone;  // the running list, in admission order
  std::uint32_t preemptions = 0;
  std::uint32_t epoch = 0;  // bumped when it leaves decoding: stale heap entries are skipped
  State state = kFree;
};

class LlmReplica {
 public:
  explicit LlmReplica(const LlmSchedulerPolicy& policy);

  // A request of `prompt` tokens that will generate `output` (>= 1) tokens. Callers check
  // admissible() first.
  void enqueue(const Customer& c, std::uint32_t prompt, std::uint32_t output, SimTime now,
               std::int32_t group = -1);
  // A request prefilled elsewhere (disaggregated serving): its prompt and first token are in the
  // KV cache it brings; it joins the batch decoding, without a prefill here.
  void enqueue_prefilled(const LlmSequence& carried, SimTime now);
  // Whether such a request can ever run here (vLLM ignores longer ones).
  bool admissible(std::uint32_t prompt, std::uint32_t output) const;

  // Fills `w` with the next iteration's work (admitting and preempting as the policy says);
  // false when there is nothing to run.
  bool plan(IterationWork& w, SimTime now);
  // The planned iteration ended at `now`. Afterwards first_tokens() lists the sequences whose
  // first token it produced and finished() those it completed; both stay readable until the
  // next plan(), which recycles the finished ones.
  void complete(SimTime now);
  const std::vector<std::uint32_t>& first_tokens() const { return first_tokens_; }
  const std::vector<std::uint32_t>& finished() const { return finished_; }
  // With hand_off_prefilled: the sequences whose prefill the iteration completed, to be moved.
  const std::vector<std::uint32_t>& handed_off() const { return handed_off_; }
  const LlmSequence& sequence(std::uint32_t i) const { return seqs_[i]; }

  bool busy() const { return busy_; }
  std::uint32_t running() const { return running_; }
  std::uint64_t waiting() const { return waiting_.size(); }
  std::uint64_t outstanding() const { return running_ + waiting_.size(); }
  std::uint64_t used_blocks() const { return used_blocks_; }
  std::uint64_t swapped_out_blocks() const { return host_blocks_; }  // in host memory now
  std::uint64_t swaps() const { return swaps_; }                     // preemptions by swap
  std::uint64_t preemptions() const { return preemptions_; }
  std::uint64_t generated_tokens() const { return generated_; }
  // Prefix caching: prompt tokens admitted, and of those found in the cache.
  std::uint64_t prefix_queries() const { return prefix_queries_; }
  std::uint64_t prefix_hits() const { return prefix_hits_; }
  // Blocks held by the prefix groups (in use or cached for later).
  std::uint64_t prefix_resident_blocks() const;
  const LlmSchedulerPolicy& policy() const { return policy_; }

 private:
  std::uint32_t blocks_for(std::uint64_t tokens) const {
    return static_cast<std::uint32_t>((tokens + policy_.block_size - 1) / policy_.block_size);
  }
  std::uint64_t free_blocks() const { return policy_.kv_blocks - used_blocks_; }
  std::uint32_t phase_of(std::int64_t base) const;
  // Blocks a request is granted at admission.
  std::uint32_t admission_blocks(const LlmSequence& s) const;
  std::uint32_t allocate_seq();
  void release_seq(std::uint32_t i);
  void link_running(std::uint32_t i);
  void unlink_running(std::uint32_t i);
  void start_decoding(std::uint32_t i);
  void stop_decoding(std::uint32_t i, std::uint64_t tokens_in_cache);
  // Admits waiting requests while the policy allows; `budget` is the iteration's token budget
  // left, decremented. Chunked: a request may get part of its prompt.
  void admit(IterationWork& w, std::uint64_t& budget, SimTime now);
  void add_chunk(IterationWork& w, std::uint32_t i, std::uint32_t tokens);
  // Admits the requests at the head of the queue whose cache exists elsewhere (prefilled on
  // another replica, or swapped out to host memory) straight into decoding, keeping the blocks
  // this step's decodes need free.
  void admit_prefilled();
  // Whether waiting request `s` brings its cache (and so needs no prefill here).
  static bool carried(const LlmSequence& s) {
    return s.prefilled > 0 && s.prefilled == s.to_prefill;
  }
  // The blocks this step's decodes will add (those crossing a block boundary).
  std::uint32_t decode_blocks_needed() const;
  // Prefix caching: the full prefix blocks of `s`'s group it can use (0 without a group).
  std::uint32_t prefix_blocks_of(const LlmSequence& s) const;
  // Frees cached, unused prefix groups (least recently used first, never `keep`) until `need`
  // blocks are free; whether they are.
  bool make_free(std::uint64_t need, std::int32_t keep);
  // `s` stops using its group's blocks (finished, preempted or handed off).
  void leave_group(LlmSequence& s);
  // Makes room for this decode step's new blocks by preempting the newest running requests.
  void make_room_for_decode();
  void preempt(std::uint32_t i);
  bool plan_static(IterationWork& w, SimTime now);

  LlmSchedulerPolicy policy_;
  std::vector<LlmSequence> seqs_;
  std::vector<std::uint32_t> free_seqs_;
  RingBuffer<std::uint32_t> waiting_;
  std::uint32_t head_ = LlmSequence::kNone, tail_ = LlmSequence::kNone;  // running list
  std::uint32_t running_ = 0;
  std::vector<std::uint32_t> prefilling_;  // admitted, prompt not all cached, admission order
  struct Chunk {
    std::uint32_t seq, tokens;
  };
  std::vector<Chunk> chunks_;  // the planned iteration's prefill work
  std::vector<std::uint32_t> static_batch_;
  std::vector<std::uint32_t> first_tokens_, finished_, handed_off_;
  // Decoding aggregate.
  std::uint32_t decoding_ = 0;
  std::int64_t base_sum_ = 0;
  std::vector<std::uint32_t> phase_counts_;  // decoding sequences by base mod block_size
  std::uint64_t decode_step_ = 0;            // decode steps run so far
  bool decode_planned_ = false;
  struct Ending {
    std::uint64_t step;
    std::uint32_t seq, epoch;
    bool operator>(const Ending& o) const { return step != o.step ? step > o.step : seq > o.seq; }
  };
  std::priority_queue<Ending, std::vector<Ending>, std::greater<>> endings_;
  std::uint64_t used_blocks_ = 0;
  std::uint64_t host_blocks_ = 0;   // swapped out
  std::uint64_t swap_traffic_ = 0;  // blocks copied in this step (into IterationWork)
  std::uint64_t swaps_ = 0;
  std::uint64_t preemptions_ = 0;
  std::uint64_t generated_ = 0;
  struct PrefixGroup {
    std::uint32_t resident = 0;  // full prefix blocks in the cache
    std::uint32_t users = 0;     // admitted sequences using them
    std::uint64_t last_use = 0;
  };
  std::vector<PrefixGroup> groups_;
  std::uint64_t evictable_ = 0;  // resident blocks of groups without users
  std::uint64_t use_clock_ = 0;
  std::uint64_t prefix_queries_ = 0, prefix_hits_ = 0;
  std::uint32_t planned_decodes_ = 0;
  bool busy_ = false;
};

}  // namespace scalesim
