// The iteration-level scheduler against a reference written the slow, obvious way: every
// sequence stepped one by one (its cached tokens, its blocks, its generated tokens). Random
// workloads through every batching mode and KV reservation must give the same iterations (work,
// blocks in use, sequences finished and first tokens), which checks the aggregate bookkeeping
// (phase counts, the ending heap, recompute after preemption) token for token.
#include "models/serving/llm_scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <utility>
#include <vector>

namespace scalesim {
namespace {

class ReferenceReplica {
 public:
  explicit ReferenceReplica(const LlmSchedulerPolicy& p) : p_(p) {}

  void enqueue(std::uint64_t id, std::uint32_t prompt, std::uint32_t output) {
    seqs_.push_back(Seq{id, prompt, output, 0, prompt, 0, 0, 0, kWaiting});
    waiting_.push_back(seqs_.size() - 1);
  }

  // The same contract as LlmReplica::plan; fills the reference's view of the iteration.
  bool plan(IterationWork& w) {
    w = IterationWork{};
    chunks_.clear();
    decode_ = false;
    std::uint64_t budget = p_.max_num_batched_tokens;
    if (p_.batching == LlmBatching::kPrefillFirst) {
      admit(w, budget);
      if (chunks_.empty() && decoding() > 0) room();
      decode_ = chunks_.empty() && decoding() > 0;
    } else {
      const std::uint64_t before = preemptions_;
      if (decoding() > 0) room();
      decode_ = decoding() > 0;
      if (decode_) budget -= std::min<std::uint64_t>(budget, decoding());
      if (p_.batching == LlmBatching::kChunked) {
        for (std::size_t i : running_) {
          Seq& s = seqs_[i];
          if (s.state != kPrefilling || budget == 0) continue;
          const auto t = static_cast<std::uint32_t>(
              std::min<std::uint64_t>(s.to_prefill - s.prefilled, budget));
          chunk(w, i, t);
          budget -= t;
        }
      }
      if (preemptions_ == before) admit(w, budget);
    }
    if (decode_) {
      for (std::size_t i : running_) {
        if (seqs_[i].state != kDecoding) continue;
        ++w.decode_seqs;
        w.context_tokens += seqs_[i].cached + 1;
      }
    }
    return w.sequences() > 0;
  }

  void complete(std::vector<std::uint64_t>& first, std::vector<std::uint64_t>& done) {
    if (decode_) {
      for (std::size_t i : std::vector<std::size_t>(running_)) {
        Seq& s = seqs_[i];
        if (s.state != kDecoding) continue;
        ++s.cached;
        ++s.generated;
        if (s.generated == s.output) finish(i, done);
      }
    }
    for (const auto& [i, t] : chunks_) {
      Seq& s = seqs_[i];
      s.prefilled += t;
      s.cached += t;
      if (s.prefilled < s.to_prefill) continue;
      ++s.generated;
      if (!s.had_first) {
        s.had_first = true;
        first.push_back(s.id);
      }
      if (s.generated == s.output) {
        finish(i, done);
      } else {
        s.state = kDecoding;
      }
    }
  }

  std::uint64_t used_blocks() const { return used_; }
  std::uint64_t preemptions() const { return preemptions_; }

 private:
  enum State { kWaiting, kPrefilling, kDecoding, kDone };
  struct Seq {
    std::uint64_t id;
    std::uint32_t prompt, output, generated, to_prefill, prefilled, cached, blocks;
    State state;
    bool had_first = false;
  };
  std::uint32_t blocks_for(std::uint64_t tokens) const {
    return static_cast<std::uint32_t>((tokens + p_.block_size - 1) / p_.block_size);
  }
  std::uint32_t decoding() const {
    std::uint32_t n = 0;
    for (std::size_t i : running_) n += seqs_[i].state == kDecoding;
    return n;
  }
  void chunk(IterationWork& w, std::size_t i, std::uint32_t t) {
    const double o = seqs_[i].prefilled;
    w.prefill_tokens += t;
    w.prefill_pairs += t * o + double(t) * (t + 1) / 2;
    w.prefill_kv_reads += seqs_[i].prefilled;
    ++w.prefill_seqs;
    chunks_.emplace_back(i, t);
  }
  void admit(IterationWork& w, std::uint64_t& budget) {
    while (!waiting_.empty() && running_.size() < p_.max_num_seqs) {
      Seq& s = seqs_[waiting_.front()];
      const std::uint32_t need =
          p_.reservation == LlmKvReservation::kPaged     ? blocks_for(s.to_prefill)
          : p_.reservation == LlmKvReservation::kRequest ? blocks_for(s.prompt + s.output)
                                                         : blocks_for(p_.max_model_len);
      if (p_.kv_blocks - used_ < need + p_.watermark_blocks) break;
      std::uint32_t t = s.to_prefill;
      if (p_.batching == LlmBatching::kChunked) {
        if (budget == 0) break;
        t = static_cast<std::uint32_t>(std::min<std::uint64_t>(t, budget));
      } else if (t > budget) {
        break;
      }
      const std::size_t i = waiting_.front();
      waiting_.pop_front();
      used_ += need;
      s.blocks = need;
      s.state = kPrefilling;
      s.prefilled = 0;
      s.cached = 0;
      running_.push_back(i);
      chunk(w, i, t);
      budget -= t;
    }
  }
  // Every decoding sequence whose cache is a whole number of blocks needs one more.
  void room() {
    const auto need = [&] {
      std::uint64_t n = 0;
      for (std::size_t i : running_) {
        const Seq& s = seqs_[i];
        n += s.state == kDecoding && p_.reservation == LlmKvReservation::kPaged &&
             s.cached % p_.block_size == 0;
      }
      return n;
    };
    while (decoding() > 0 && need() > p_.kv_blocks - used_) {
      const std::size_t i = running_.back();
      running_.pop_back();
      Seq& s = seqs_[i];
      used_ -= s.blocks;
      s.blocks = 0;
      s.to_prefill = s.prompt + s.generated;
      s.prefilled = 0;
      s.cached = 0;
      s.state = kWaiting;
      ++preemptions_;
      waiting_.push_front(i);
    }
    for (std::size_t i : running_) {
      Seq& s = seqs_[i];
      if (s.state == kDecoding && p_.reservation == LlmKvReservation::kPaged &&
          s.cached % p_.block_size == 0) {
        ++s.blocks;
        ++used_;
      }
    }
  }
  void finish(std::size_t i, std::vector<std::uint64_t>& done) {
    Seq& s = seqs_[i];
    used_ -= s.blocks;
    s.blocks = 0;
    s.state = kDone;
    running_.erase(std::find(running_.begin(), running_.end(), i));
    done.push_back(s.id);
  }

  LlmSchedulerPolicy p_;
  std::vector<Seq> seqs_;
  std::deque<std::size_t> waiting_;
  std::vector<std::size_t> running_;  // admission order
  std::vector<std::pair<std::size_t, std::uint32_t>> chunks_;
  bool decode_ = false;
  std::uint64_t used_ = 0, preemptions_ = 0;
};

void compare_on_random_workload(const LlmSchedulerPolicy& policy, std::uint64_t seed,
                                std::uint64_t* preemptions_seen) {
  LlmReplica fast(policy);
  ReferenceReplica slow(policy);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint32_t> prompt(1, 300), output(1, 200), burst(0, 3);
  std::uint64_t next_id = 0, finished = 0, iterations = 0;
  const std::uint64_t requests = 400;
  while (finished < next_id || next_id < requests) {
    for (std::uint32_t k = burst(rng); k > 0 && next_id < requests; --k) {
      const std::uint32_t p = prompt(rng), o = output(rng);
      if (!fast.admissible(p, o)) continue;
      Customer c;
      c.id = next_id;
      fast.enqueue(c, p, o, 0);
      slow.enqueue(next_id, p, o);
      ++next_id;
    }
    IterationWork a, b;
    const bool ran = fast.plan(a, 0);
    ASSERT_EQ(ran, slow.plan(b)) << "iteration " << iterations;
    ASSERT_EQ(fast.used_blocks(), slow.used_blocks()) << "iteration " << iterations;
    if (!ran) continue;
    ASSERT_EQ(a.prefill_tokens, b.prefill_tokens) << "iteration " << iterations;
    ASSERT_EQ(a.prefill_seqs, b.prefill_seqs) << "iteration " << iterations;
    ASSERT_DOUBLE_EQ(a.prefill_pairs, b.prefill_pairs) << "iteration " << iterations;
    ASSERT_EQ(a.prefill_kv_reads, b.prefill_kv_reads) << "iteration " << iterations;
    ASSERT_EQ(a.decode_seqs, b.decode_seqs) << "iteration " << iterations;
    ASSERT_EQ(a.context_tokens, b.context_tokens) << "iteration " << iterations;
    fast.complete(0);
    std::vector<std::uint64_t> first, done;
    slow.complete(first, done);
    std::vector<std::uint64_t> fast_first, fast_done;
    for (std::uint32_t i : fast.first_tokens()) fast_first.push_back(fast.sequence(i).customer.id);
    for (std::uint32_t i : fast.finished()) fast_done.push_back(fast.sequence(i).customer.id);
    std::sort(first.begin(), first.end());
    std::sort(done.begin(), done.end());
    std::sort(fast_first.begin(), fast_first.end());
    std::sort(fast_done.begin(), fast_done.end());
    ASSERT_EQ(fast_first, first) << "iteration " << iterations;
    ASSERT_EQ(fast_done, done) << "iteration " << iterations;
    finished += done.size();
    ++iterations;
  }
  EXPECT_EQ(fast.preemptions(), slow.preemptions());
  EXPECT_EQ(fast.used_blocks(), 0u);
  *preemptions_seen += fast.preemptions();
}

TEST(LlmSchedulerTest, EveryModeMatchesAStepByStepReference) {
  struct Mode {
    LlmBatching batching;
    LlmKvReservation reservation;
    bool expect_preemption;
  };
  const Mode modes[] = {
      {LlmBatching::kPrefillFirst, LlmKvReservation::kPaged, true},  // vLLM
      {LlmBatching::kChunked, LlmKvReservation::kPaged, true},       // Sarathi, vLLM chunked
      {LlmBatching::kMixed, LlmKvReservation::kMaxLength, false},    // Orca
      {LlmBatching::kMixed, LlmKvReservation::kRequest, false},      // TensorRT-LLM no-evict
      {LlmBatching::kMixed, LlmKvReservation::kPaged, true},         // TensorRT-LLM max_util.
  };
  for (const Mode& m : modes) {
    LlmSchedulerPolicy p;
    p.batching = m.batching;
    p.reservation = m.reservation;
    p.max_num_seqs = 24;
    p.max_num_batched_tokens = m.batching == LlmBatching::kChunked ? 256 : 1024;
    p.max_model_len = 512;
    p.block_size = 16;
    p.kv_blocks = 160;  // tight: 2,560 tokens for up to 24 sequences of up to 500
    p.watermark_blocks = m.reservation == LlmKvReservation::kPaged ? 2 : 0;
    std::uint64_t preemptions = 0;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      SCOPED_TRACE("mode " + std::to_string(int(m.batching)) + "/" +
                   std::to_string(int(m.reservation)) + " seed " + std::to_string(seed));
      compare_on_random_workload(p, seed, &preemptions);
      if (HasFatalFailure()) return;
    }
    // The workloads are meant to run the cache out where the policy allows it.
    EXPECT_EQ(preemptions > 0, m.expect_preemption) << preemptions << " preemptions";
  }
}

TEST(LlmSchedulerTest, ChunkedPrefillTakesCeilPromptOverChunkIterations) {
  LlmSchedulerPolicy p;
  p.batching = LlmBatching::kChunked;
  p.max_num_batched_tokens = 256;
  p.kv_blocks = 1000;
  for (const std::uint32_t prompt : {1u, 255u, 256u, 257u, 1000u, 1024u}) {
    LlmReplica r(p);
    r.enqueue(Customer{}, prompt, 1, 0);
    std::uint32_t iterations = 0;
    IterationWork w;
    while (r.plan(w, 0)) {
      ++iterations;
      r.complete(0);
    }
    EXPECT_EQ(iterations, (prompt + 255) / 256) << prompt;
  }
}

TEST(LlmSchedulerTest, TheRequestBeyondTheCacheWaitsOrPreemptsAsThePolicySays) {
  // Blocks for exactly four sequences of 64 + 64 tokens (8 blocks each).
  LlmSchedulerPolicy p;
  p.batching = LlmBatching::kMixed;
  p.max_num_batched_tokens = 100000;
  p.kv_blocks = 32;
  const auto run = [&](LlmKvReservation reservation, std::uint32_t requests,
                       std::vector<std::uint32_t>* admitted_at) {
    p.reservation = reservation;
    LlmReplica r(p);
    for (std::uint32_t i = 0; i < requests; ++i) {
      Customer c;
      c.id = i;
      r.enqueue(c, 64, 64, 0);
    }
    IterationWork w;
    std::uint32_t it = 0;
    while (r.plan(w, it)) {
      for (std::uint32_t k = 0; k < w.prefill_seqs; ++k) admitted_at->push_back(it);
      r.complete(it);
      ++it;
    }
    return r.preemptions();
  };
  std::vector<std::uint32_t> at;
  // Reserved for the whole request: four start at once, the fifth waits for the first to end
  // (prefill at iteration 0, 63 decodes: it ends in iteration 63 and the fifth starts at 64).
  EXPECT_EQ(run(LlmKvReservation::kRequest, 5, &at), 0u);
  EXPECT_EQ(at, (std::vector<std::uint32_t>{0, 0, 0, 0, 64}));
  at.clear();
  EXPECT_EQ(run(LlmKvReservation::kRequest, 4, &at), 0u);
  // Paged: all five prompts fit (4 blocks each), then growth runs the cache out and the newest
  // is preempted (recomputed later); four alone never preempt.
  at.clear();
  EXPECT_GT(run(LlmKvReservation::kPaged, 5, &at), 0u);
  EXPECT_EQ(std::count(at.begin(), at.end(), 0u), 5);
  at.clear();
  EXPECT_EQ(run(LlmKvReservation::kPaged, 4, &at), 0u);
}

TEST(LlmSchedulerTest, SwappedRequestsComeBackWithoutAPrefill) {
  // The paged case above (five requests whose growth outruns a cache for four), with vLLM's
  // preemption_mode swap: the preempted request's blocks go to host memory and return.
  LlmSchedulerPolicy p;
  p.batching = LlmBatching::kMixed;
  p.max_num_batched_tokens = 100000;
  p.kv_blocks = 32;
  p.swap_preemption = true;
  const auto run = [&](std::uint64_t swap_blocks, std::uint64_t* prefilled, std::uint64_t* copied) {
    p.swap_blocks = swap_blocks;
    LlmReplica r(p);
    for (std::uint32_t i = 0; i < 5; ++i) {
      Customer c;
      c.id = i;
      r.enqueue(c, 64, 64, 0);
    }
    IterationWork w;
    std::uint32_t it = 0, firsts = 0, done = 0;
    *prefilled = *copied = 0;
    while (r.plan(w, it)) {
      *prefilled += w.prefill_tokens;
      *copied += w.swapped_blocks;
      EXPECT_LE(r.used_blocks(), p.kv_blocks);
      EXPECT_LE(r.swapped_out_blocks(), swap_blocks);
      r.complete(it);
      firsts += static_cast<std::uint32_t>(r.first_tokens().size());
      done += static_cast<std::uint32_t>(r.finished().size());
      ++it;
    }
    EXPECT_EQ(firsts, 5u);
    EXPECT_EQ(done, 5u);
    EXPECT_EQ(r.generated_tokens(), 5u * 64);
    EXPECT_EQ(r.used_blocks(), 0u);
    EXPECT_EQ(r.swapped_out_blocks(), 0u);
    return std::pair{r.preemptions(), r.swaps()};
  };
  std::uint64_t prefilled = 0, copied = 0;
  // Room in host memory: every preemption is a swap, each prompt is prefilled once, and every
  // block copied out is copied back in.
  const auto [preempted, swapped] = run(64, &prefilled, &copied);
  EXPECT_GT(preempted, 0u);
  EXPECT_EQ(swapped, preempted);
  EXPECT_EQ(prefilled, 5u * 64);
  EXPECT_GT(copied, 0u);
  EXPECT_EQ(copied % 2, 0u);
  // No room (one block): vLLM would abort; here the request is recomputed instead.
  const auto [preempted1, swapped1] = run(1, &prefilled, &copied);
  EXPECT_GT(preempted1, 0u);
  EXPECT_EQ(swapped1, 0u);
  EXPECT_EQ(copied, 0u);
  EXPECT_GT(prefilled, 5u * 64);
}

}  // namespace
}  // namespace scalesim
