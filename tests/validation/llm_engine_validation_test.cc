// llm_engine against exact answers, in the hardware-free mode (step time = fixed + b x prefill
// tokens + c x decoding sequences + d x KV tokens read, constants chosen so that every
// iteration is a whole number of nanoseconds):
//  - one request's time to first token and end-to-end latency equal the closed forms, for each
//    scheduler, chunked prefill taking ceil(P / chunk) iterations;
//  - saturated, every iteration carries a full batch and throughput is batch / step time;
//  - Little's law holds exactly over a run that drains (time-average in the engine x run time
//    = sum of the requests' times in it);
//  - the static scheduler on a GPU reproduces the model server's static batching exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/queueing/queueing_network.h"
#include "models/serving/llm_engine.h"
#include "models/serving/model_server.h"

namespace scalesim {
namespace {

const std::string kTrace =
    std::string(SCALESIM_SOURCE_DIR) + "/data/traces/azure_llm_conv_2023.csv";

// One source of `customers` deterministic arrivals into engine `engine` (its keys after type).
std::string one_engine(const std::string& arrivals, long customers, const std::string& engine) {
  return "name: t\nseed: 3\ncomponents:\n  in:\n    type: source\n    arrivals: " + arrivals +
         "\n    customers: " + std::to_string(customers) +
         "\n    to: engine\n  engine:\n    type: llm_engine\n" + engine +
         "    to: done\n  done: {type: sink}\n";
}

// fixed 10 ms, 100 us per prompt token, 1 ms per decoding sequence, 1 us per KV token read.
constexpr SimTime kFixed = 10'000'000, kPerPrompt = 100'000, kPerSeq = 1'000'000, kPerKv = 1'000;
const std::string kStep =
    "    step_time: {fixed: 10ms, per_prefill_token: 100us, per_decode_sequence: 1ms, "
    "per_context_token: 1us}\n";

// Decode steps 1..O-1 of a lone sequence of prompt P: each reads P + j cached tokens.
SimTime lone_decodes(SimTime p, SimTime o) {
  SimTime t = 0;
  for (SimTime j = 1; j < o; ++j) t += kFixed + kPerSeq + kPerKv * (p + j);
  return t;
}

TEST(LlmEngineValidation, OneRequestTakesTheClosedFormUnderEveryScheduler) {
  struct Case {
    std::string scheduler;
    SimTime prefill_iterations;  // ceil(P / chunk)
  };
  const SimTime p = 1000, o = 50;
  const Case cases[] = {
      {"vllm", 1},
      {"{name: vllm, enable_chunked_prefill: true, max_num_batched_tokens: 256}", 4},
      {"{name: sarathi, chunk_size: 300}", 4},
      {"{name: sarathi, chunk_size: 1000}", 1},
      {"orca", 1},
      {"tensorrt_llm", 1},
      {"{name: tensorrt_llm, enable_chunked_context: true, max_num_tokens: 128}", 8},
      {"{name: tensorrt_llm, capacity_scheduler_policy: max_utilization}", 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.scheduler);
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
        one_engine("{process: deterministic, rate: 1/s}", 1,
                   "    scheduler: " + c.scheduler + "\n" + kStep +
                       "    kv_blocks: 1000\n    prompt_tokens: 1000\n    output_tokens: 50\n")));
    net.record_requests(true);
    simulate(net, 1);
    const auto& e = net.get<LlmEngine>("engine");
    ASSERT_EQ(e.completed(), 1u);
    // Chunks of a lone prompt: each iteration its fixed cost, the prompt's tokens once in all.
    const SimTime ttft = c.prefill_iterations * kFixed + kPerPrompt * p;
    EXPECT_EQ(e.ttft_seconds().mean(), to_seconds(ttft));
    EXPECT_EQ(e.end_to_end_seconds().mean(), to_seconds(ttft + lone_decodes(p, o)));
    EXPECT_EQ(e.tpot_seconds().mean(), to_seconds(lone_decodes(p, o) / (o - 1)));
    // The request's own record (a /requests row) carries the same two figures, in half
    // precision: the request enters the engine the instant it is created.
    const auto& records = net.get<Sink>("done").records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].ttft, to_half(static_cast<float>(to_seconds(ttft))));
    EXPECT_EQ(records[0].tpot,
              to_half(static_cast<float>(to_seconds(lone_decodes(p, o) / (o - 1)))));
    EXPECT_NEAR(from_half(records[0].ttft), to_seconds(ttft), to_seconds(ttft) * 0x1p-11);
    EXPECT_EQ(e.iterations(), static_cast<std::uint64_t>(c.prefill_iterations + o - 1));
    EXPECT_EQ(e.output_tokens(), static_cast<std::uint64_t>(o));
    EXPECT_EQ(e.input_tokens(), static_cast<std::uint64_t>(p));
  }
}

TEST(LlmEngineValidation, ADisaggregatedRequestAddsItsKvTransferBetweenPrefillAndDecode) {
  // Prefilled on one replica, its 1,000 tokens x 64 KiB of keys and values cross an 8 GB/s
  // link (8.192 ms), then it decodes on the other replica.
  const SimTime p = 1000, o = 50;
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      one_engine("{process: deterministic, rate: 1/s}", 1,
                 "    scheduler: vllm\n" + kStep +
                     "    kv_blocks: 1000\n    prompt_tokens: 1000\n    output_tokens: 50\n"
                     "    disaggregation: {prefill_replicas: 1, decode_replicas: 1, link: 8GB/s, "
                     "kv_bytes_per_token: 64KiB}\n")));
  simulate(net, 1);
  const auto& e = net.get<LlmEngine>("engine");
  ASSERT_EQ(e.completed(), 1u);
  const SimTime ttft = kFixed + kPerPrompt * p;
  const SimTime transfer = 8'192'000;
  EXPECT_EQ(e.ttft_seconds().mean(), to_seconds(ttft));
  EXPECT_EQ(e.end_to_end_seconds().mean(), to_seconds(ttft + transfer + lone_decodes(p, o)));
  EXPECT_EQ(e.kv_transfers(), 1u);
  EXPECT_EQ(e.kv_transfer_seconds().mean(), to_seconds(transfer));
  EXPECT_EQ(e.kv_transfer_bytes(), 1000.0 * 65536);
}

TEST(LlmEngineValidation, APrefixCachedByAnEarlierRequestIsNotComputedAgain) {
  // Two requests of one prefix group, a second apart: the first computes all 1,000 prompt
  // tokens; the second finds the group's 512-token prefix (32 full blocks) in the cache and
  // computes 488. Without caching both compute 1,000.
  const std::string engine =
      "    step_time: {fixed: 10ms, per_prefill_token: 100us}\n"
      "    kv_blocks: 1000\n    prompt_tokens: 1000\n    output_tokens: 2\n"
      "    prefix_sharing: {share: 1, groups: 1, prefix_tokens: 512}\n";
  for (const bool caching : {true, false}) {
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
        one_engine("{process: deterministic, rate: 1/s}", 2,
                   std::string("    scheduler: {name: vllm, enable_prefix_caching: ") +
                       (caching ? "true" : "false") + "}\n" + engine)));
    simulate(net, 1);
    const auto& e = net.get<LlmEngine>("engine");
    ASSERT_EQ(e.completed(), 2u);
    const SimTime first = kFixed + kPerPrompt * 1000;
    const SimTime second = kFixed + kPerPrompt * (caching ? 488 : 1000);
    EXPECT_NEAR(e.ttft_seconds().mean(), (to_seconds(first) + to_seconds(second)) / 2, 1e-12);
    EXPECT_EQ(e.prefix_cache_hit_rate(), caching ? 512.0 / 2000 : 0.0);
    EXPECT_EQ(e.input_tokens(), caching ? 1488u : 2000u);
    // The group's 32 blocks stay cached after both left; nothing else is held.
    EXPECT_EQ(e.kv_blocks_in_use(), caching ? 32u : 0u);
    EXPECT_EQ(e.prefix_blocks_cached(), caching ? 32u : 0u);
  }
}

TEST(LlmEngineValidation, AStaticBatchDecodesUntilItsLongestAnswerEnds) {
  // A short request (10, 2) starts at once; two that arrive 1 ms later, (300 prompt, 20 output)
  // and (100, 40), wait for it and then go as one batch, padded to the longer prompt and decoded
  // 39 steps for the longer answer; both answers return at its end.
  const std::filesystem::path csv = std::filesystem::temp_directory_path() / "llm_static_pair.csv";
  {
    std::ofstream out(csv);
    out << "t,prompt,output\n0.5,10,2\n0.501,300,20\n0.501,100,40\n";
  }
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\ncomponents:\n  in:\n    type: trace\n    file: " + csv.string() +
      "\n    time_format: s\n    columns: {time: t, size: prompt, aux: output}\n"
      "    to: engine\n  engine:\n    type: llm_engine\n"
      "    scheduler: {name: static, max_batch_size: 2}\n" +
      kStep + "    kv_blocks: 1\n    to: done\n  done: {type: sink}\n"));
  simulate(net, 1);
  std::filesystem::remove(csv);
  const auto& e = net.get<LlmEngine>("engine");
  ASSERT_EQ(e.completed(), 3u);
  const SimTime first = kFixed + kPerPrompt * 10 + kFixed + kPerSeq + kPerKv * 11;
  const SimTime b = 2, p = 300, steps = 39;
  const SimTime pair = kFixed + kPerPrompt * b * p + steps * (kFixed + kPerSeq * b) +
                       kPerKv * b * (steps * p + steps * (steps + 1) / 2);
  const SimTime waited = first - 1'000'000;
  const double mean = (to_seconds(first) + 2 * to_seconds(waited + pair)) / 3;
  EXPECT_NEAR(e.end_to_end_seconds().mean(), mean, 1e-12);
  EXPECT_NEAR(e.ttft_seconds().mean(), mean, 1e-12);  // not streamed
  EXPECT_NEAR(e.queueing_seconds().mean(), 2 * to_seconds(waited) / 3, 1e-12);
  EXPECT_EQ(e.iterations(), 2u);
}

TEST(LlmEngineValidation, SaturatedThroughputIsTheBatchOverTheStepTime) {
  // Orca-style mixed iterations, 8 sequences a batch, requests arriving far faster than served:
  // the batch is always full. A prompt of 64 tokens at 15.625 us a token costs what a decoding
  // sequence costs (1 ms), so every full iteration takes 10 ms + 8 x 1 ms = 18 ms and yields
  // 8 tokens, one per sequence: 444.4 output tokens/s, 444.4 / 32 requests/s.
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\nwarmup: 60s\nend: {time: 3660s}\ncomponents:\n  in:\n    type: source\n"
      "    arrivals: {process: deterministic, rate: 100/s}\n    to: engine\n  engine:\n"
      "    type: llm_engine\n    scheduler: {name: orca, max_batch_size: 8}\n"
      "    step_time: {fixed: 10ms, per_prefill_token: 15625ns, per_decode_sequence: 1ms}\n"
      "    kv_blocks: 10000\n    prompt_tokens: 64\n    output_tokens: 32\n    to: done\n"
      "  done: {type: sink}\n"));
  const NetworkRun run = simulate(net, 1);
  const auto& e = net.get<LlmEngine>("engine");
  const double measured = to_seconds(run.end_time) - 60.0;
  const double tokens_per_s = static_cast<double>(e.output_tokens()) / measured;
  EXPECT_NEAR(tokens_per_s, 8.0 / 0.018, 8.0 / 0.018 * 1e-3);
  // The queue grows without end, so count every completion over the whole run.
  EXPECT_NEAR(static_cast<double>(e.completed()) / to_seconds(run.end_time), 8.0 / 0.018 / 32,
              8.0 / 0.018 / 32 * 1e-3);
  EXPECT_DOUBLE_EQ(e.batch_size().mean(), 8.0);
}

TEST(LlmEngineValidation, LittlesLawHoldsExactlyOverARunThatDrains) {
  // The first 3,000 requests of the Azure conversation trace, twice as fast as recorded, on two
  // vLLM replicas with a cache small enough to preempt. No warm-up and a run that ends when the
  // last answer leaves: the time-average of requests in the engine times the run's length is
  // the sum of their end-to-end times.
  // The last case prefills on one replica and decodes on the other: requests crossing the link
  // between them count as in the engine.
  for (const std::string sched :
       {"vllm", "{name: vllm, enable_chunked_prefill: true}",
        "{name: tensorrt_llm, capacity_scheduler_policy: max_utilization}",
        "vllm\n    disaggregation: {prefill_replicas: 1, decode_replicas: 1, link: 2GB/s, "
        "kv_bytes_per_token: 128KiB}",
        "{name: vllm, enable_prefix_caching: true}\n    prefix_sharing: {share: 0.6, groups: 5, "
        "prefix_tokens: 400}",
        "{name: vllm, preemption_mode: swap}\n    swap_blocks: 300",
        "{name: vllm, enable_prefix_caching: true}\n    router: prefix_affinity\n"
        "    prefix_sharing: {share: 0.6, groups: 5, prefix_tokens: 400}"}) {
    SCOPED_TRACE(sched);
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
        "name: t\ncomponents:\n  in:\n    type: trace\n    file: " + kTrace +
        "\n    format: azure_llm\n    time_scale: 2\n    customers: 3000\n    to: engine\n"
        "  engine:\n    type: llm_engine\n    scheduler: " +
        sched + (sched.find("disaggregation") == std::string::npos ? "\n    replicas: 2\n" : "\n") +
        "    step_time: {fixed: 20ms, per_prefill_token: 20us, per_decode_sequence: 300us, "
        "per_context_token: 100ns, per_swapped_block: 50us}\n    kv_blocks: 600\n"
        "    to: {component: done, latency: 0}\n"
        "  done: {type: sink}\n"));
    const NetworkRun run = simulate(net, 1);
    const auto& e = net.get<LlmEngine>("engine");
    ASSERT_EQ(e.completed() + e.rejected(), 3000u);
    const double in_system = e.mean_in_system(run.end_time) * to_seconds(run.end_time);
    const double sojourns = e.end_to_end_seconds().mean() * static_cast<double>(e.completed());
    EXPECT_NEAR(in_system, sojourns, 1e-9 * sojourns);
    // And on every replica, with its own arrivals (from the router or the link) and departures
    // (answered, or handed to the decode pool).
    std::uint64_t left = 0;
    for (std::uint32_t r = 0; r < e.engines(); ++r) {
      const LlmEngine::InstanceStats& st = e.instance(r);
      EXPECT_GT(st.time_in.count(), 100u) << "replica " << r;
      const double area = st.in_system.mean(run.end_time) * to_seconds(run.end_time);
      const double times = st.time_in.mean() * static_cast<double>(st.time_in.count());
      EXPECT_NEAR(area, times, 1e-9 * times) << "replica " << r;
      left += st.time_in.count();
    }
    const bool split = sched.find("disaggregation") != std::string::npos;
    EXPECT_EQ(left, split ? e.completed() + e.kv_transfers() : e.completed());
    if (sched.find("swap") != std::string::npos) {
      EXPECT_GT(e.swaps(), 0u);
      EXPECT_EQ(e.swaps(), e.preemptions());
    }
    if (sched == "vllm") {
      EXPECT_GT(e.preemptions(), 0u);  // the cache ran out on the way
    }
    // What stays in the caches at the end is the prefix groups' blocks, nothing else.
    EXPECT_EQ(e.kv_blocks_in_use(), e.prefix_blocks_cached());
    if (sched.find("prefix_sharing") != std::string::npos) {
      EXPECT_GT(e.prefix_cache_hit_rate(), 0.05);
      EXPECT_GT(e.preemptions(), 0u);  // eviction and preemption both exercised
    }
    if (sched.find("disaggregation") != std::string::npos) {
      EXPECT_GT(e.kv_transfers(), e.completed() * 9 / 10);  // all but one-token answers
    }
  }
}

TEST(LlmEngineValidation, SwappingPrefillsEveryPromptOnceAndPaysForItsCopies) {
  // The trace's first 2,000 requests, twice as fast, on a cache that runs out. Recomputing
  // prefills the preempted requests again; swapping copies their blocks out and back and
  // prefills every prompt exactly once, as a cache that never runs out does.
  struct Run {
    std::uint64_t input_tokens, preemptions, swaps;
    SimTime end;
  };
  const auto run = [](const std::string& sched, long kv_blocks, const std::string& swap_cost) {
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
        "name: t\ncomponents:\n  in:\n    type: trace\n    file: " + kTrace +
        "\n    format: azure_llm\n    time_scale: 2\n    customers: 2000\n    to: engine\n"
        "  engine:\n    type: llm_engine\n    scheduler: " +
        sched +
        "\n    step_time: {fixed: 20ms, per_prefill_token: 20us, per_decode_sequence: 300us" +
        swap_cost + "}\n    kv_blocks: " + std::to_string(kv_blocks) +
        "\n    to: done\n  done: {type: sink}\n"));
    const NetworkRun r = simulate(net, 1);
    const auto& e = net.get<LlmEngine>("engine");
    EXPECT_EQ(e.completed() + e.rejected(), 2000u);
    return Run{e.input_tokens(), e.preemptions(), e.swaps(), r.end_time};
  };
  const std::string swap = "{name: vllm, preemption_mode: swap}\n    swap_blocks: 100000";
  const Run roomy = run("vllm", 100000, "");
  const Run recompute = run("vllm", 400, "");
  const Run swapped = run(swap, 400, "");
  const Run paid = run(swap, 400, ", per_swapped_block: 1ms");
  EXPECT_EQ(roomy.preemptions, 0u);
  EXPECT_GT(recompute.preemptions, 0u);
  EXPECT_EQ(recompute.swaps, 0u);
  EXPECT_GT(recompute.input_tokens, roomy.input_tokens);
  EXPECT_GT(swapped.preemptions, 0u);
  EXPECT_EQ(swapped.swaps, swapped.preemptions);
  EXPECT_EQ(swapped.input_tokens, roomy.input_tokens);
  EXPECT_GT(paid.end, swapped.end);
}

TEST(LlmEngineValidation, PipelineStagesPassAMicroBatchOnAfterTheirShareOfTheLayers) {
  // Llama-2-13B on 2 x A100 as two pipeline stages. A lone request's iterations each cross
  // both stages (each with half of the 40 layers) and one hand-off between them. A second
  // request arriving 1 ns later runs as the other micro-batch (vLLM's second virtual engine),
  // one stage behind the first: its first token comes one prefill stage later.
  const auto engine = [](int pp, long requests) {
    return QueueingNetwork::from_config(ConfigNode::load_string(
        one_engine("{process: deterministic, rate: 1e9/s}", requests,
                   "    model: llama-2-13b\n    gpu: A100-SXM4-80GB\n    pipeline_parallel: " +
                       std::to_string(pp) +
                       "\n    scheduler: vllm\n    prompt_tokens: 500\n"
                       "    output_tokens: 3\n")));
  };
  QueueingNetwork one = engine(2, 1);
  simulate(one, 1);
  const auto& e = one.get<LlmEngine>("engine");
  ASSERT_EQ(e.completed(), 1u);
  ASSERT_EQ(e.engines(), 2u);
  const LlmStepTime& step = *e.setup().step;
  IterationWork prefill;
  prefill.prefill_tokens = 500;
  prefill.prefill_pairs = 500.0 * 501 / 2;
  prefill.prefill_seqs = 1;
  const SimTime stage = from_seconds(step.iteration_seconds(prefill));
  const SimTime handoff = from_seconds(step.stage_handoff_seconds(prefill));
  EXPECT_GT(handoff, 0);
  const SimTime ttft = 2 * stage + handoff;
  EXPECT_EQ(e.ttft_seconds().mean(), to_seconds(ttft));
  SimTime e2e = ttft;
  for (std::uint64_t j = 1; j <= 2; ++j) {
    IterationWork decode;
    decode.decode_seqs = 1;
    decode.context_tokens = 500 + j;
    e2e += 2 * from_seconds(step.iteration_seconds(decode)) +
           from_seconds(step.stage_handoff_seconds(decode));
  }
  EXPECT_EQ(e.end_to_end_seconds().mean(), to_seconds(e2e));
  // A stage does about half the work of the whole model on one GPU.
  QueueingNetwork whole = engine(1, 1);
  simulate(whole, 1);
  const double full = whole.get<LlmEngine>("engine").setup().step->iteration_seconds(prefill);
  EXPECT_NEAR(to_seconds(stage), full / 2, 0.05 * full);

  QueueingNetwork two = engine(2, 2);
  simulate(two, 1);
  const auto& e2 = two.get<LlmEngine>("engine");
  ASSERT_EQ(e2.completed(), 2u);
  EXPECT_EQ(e2.instance(0).time_in.count(), 1u);  // one request per micro-batch
  EXPECT_EQ(e2.instance(1).time_in.count(), 1u);
  // Mean of ttft and ttft + stage - 1 ns.
  EXPECT_NEAR(e2.ttft_seconds().mean(), to_seconds(ttft) + to_seconds(stage - 1) / 2, 1e-12);
}

TEST(LlmEngineValidation, ThePrefixAffinityRouterFindsMoreOfTheCache) {
  // Four replicas, 60% of requests in one of 16 prefix groups with 1,024-token prefixes: routing
  // a group's requests to one replica finds its prefix cached more often than spreading them.
  const auto hit_rate = [](const std::string& router) {
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
        "name: t\nseed: 5\ncomponents:\n  in:\n    type: trace\n    file: " + kTrace +
        "\n    format: azure_llm\n    time_scale: 4\n    customers: 4000\n    to: engine\n"
        "  engine:\n    type: llm_engine\n    scheduler: {name: vllm, enable_prefix_caching: "
        "true}\n    replicas: 4\n    router: " +
        router +
        "\n    step_time: {fixed: 20ms, per_prefill_token: 20us, per_decode_sequence: 300us}\n"
        "    kv_blocks: 2000\n    prefix_sharing: {share: 0.6, groups: 16, prefix_tokens: "
        "1024}\n    to: done\n  done: {type: sink}\n"));
    simulate(net, 1);
    return net.get<LlmEngine>("engine").prefix_cache_hit_rate();
  };
  const double spread = hit_rate("least_outstanding");
  const double affine = hit_rate("prefix_affinity");
  EXPECT_GT(affine, spread + 0.05)
      << "least_outstanding " << spread << ", prefix_affinity " << affine;
}

TEST(LlmEngineValidation, StaticBatchingOnAGpuReproducesTheModelServer) {
  // The same 2,000 trace requests through a model server (Triton's batching, no queue delay)
  // and through llm_engine's static scheduler on the same GPU: identical latencies.
  const std::string head = "name: t\ncomponents:\n  in:\n    type: trace\n    file: " + kTrace +
                           "\n    format: azure_llm\n    time_scale: 8\n    customers: 2000\n"
                           "    to: s\n";
  QueueingNetwork server = QueueingNetwork::from_config(ConfigNode::load_string(
      head +
      "  s:\n    type: model_server\n    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n"
      "    dynamic_batching: {max_batch_size: 16}\n    to: done\n  done: {type: sink}\n"));
  QueueingNetwork engine =
      QueueingNetwork::from_config(ConfigNode::load_string(
          head + "  s:\n    type: llm_engine\n    model: tinyllama-1b\n    gpu: A100-SXM4-80GB\n"
                 "    scheduler: {name: static, max_batch_size: 16, max_model_len: 100000}\n"
                 "    to: done\n"
                 "  done: {type: sink}\n"));
  simulate(server, 1);
  simulate(engine, 1);
  const auto& m = server.get<ModelServer>("s");
  const auto& e = engine.get<LlmEngine>("s");
  ASSERT_EQ(m.departures(), 2000u);
  ASSERT_EQ(e.completed(), 2000u);
  EXPECT_EQ(e.end_to_end_seconds().mean(), m.sojourn().mean());
  EXPECT_EQ(e.end_to_end().counts().size(), m.sojourn_histogram().counts().size());
  EXPECT_TRUE(std::equal(e.end_to_end().counts().begin(), e.end_to_end().counts().end(),
                         m.sojourn_histogram().counts().begin()));
  EXPECT_GT(m.batch_size().mean(), 1.5);  // batches did form
}

}  // namespace
}  // namespace scalesim
