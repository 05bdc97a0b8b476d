#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/serving/catalog_lookup.h"
#include "models/serving/llm_engine.h"

namespace scalesim {

using namespace hardware;

namespace {

// TensorRT-LLM's host work per iteration and per sequence in it, fitted by `scalesim calibrate`
// to the 125 TensorRT-LLM rows of calibration/llm_serving_tables.csv (docs/calibration.md, the
// stack table of its last section; a test keeps these equal to the fit). Other schedulers have
// too few public step measurements for a default: 0 unless `host_overhead` says otherwise.
constexpr double kTensorRtLlmHostPerIteration = 2.00e-3;
constexpr double kTensorRtLlmHostPerSequence = 0.023e-3;

std::uint32_t count_at(const ConfigNode& node, std::string_view key, std::int64_t def,
                       std::int64_t lo, std::int64_t hi) {
  const std::int64_t v = node.integer_or(key, def);
  if (v < lo || v > hi) {
    node.at(key).fail("'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " +
                      std::to_string(hi));
  }
  return static_cast<std::uint32_t>(v);
}

double share_at(const ConfigNode& node, std::string_view key, double def) {
  const double v = node.number_or(key, def);
  if (!(v > 0 && v <= 1)) node.at(key).fail("'" + std::string(key) + "' must lie in (0, 1]");
  return v;
}

// What a scheduler's own parameters set, and the share of GPU memory its KV cache may take.
struct SchedulerChoice {
  std::string name;
  LlmSchedulerPolicy policy;
  double memory_share = 0.9;
  bool share_of_free = false;  // TensorRT-LLM: a share of the memory left after the weights
  double watermark = 0;        // share of the blocks kept free at admission
  double swap_space = 0;       // vLLM swap_space: bytes of host memory per GPU for swapped blocks
};

// scheduler: NAME | {name: NAME, engine parameters under the engine's own names}
SchedulerChoice scheduler_at(const ConfigNode& engine) {
  SchedulerChoice c;
  const auto node = engine.find("scheduler");
  if (!node) {
    c.name = "vllm";
  } else if (node->is_scalar()) {
    c.name = node->as_string();
  } else {
    c.name = node->string("name");
  }
  const auto get = [&](std::string_view key, std::int64_t def, std::int64_t lo, std::int64_t hi) {
    return node && node->is_map() ? count_at(*node, key, def, lo, hi)
                                  : static_cast<std::uint32_t>(def);
  };
  const auto flag = [&](std::string_view key, bool def) {
    return node && node->is_map() ? node->boolean_or(key, def) : def;
  };
  const auto share = [&](std::string_view key, double def) {
    return node && node->is_map() ? share_at(*node, key, def) : def;
  };
  const auto keys = [&](std::initializer_list<std::string_view> allowed) {
    if (node && node->is_map()) node->expect_keys(allowed);
  };
  constexpr std::int64_t kMaxLen = 1 << 22;
  LlmSchedulerPolicy& p = c.policy;
  if (c.name == "vllm") {
    // vLLM's engine arguments and their defaults (vLLM 0.5-0.6, the V0 scheduler).
    keys({"name", "max_num_seqs", "max_num_batched_tokens", "enable_chunked_prefill", "block_size",
          "gpu_memory_utilization", "max_model_len", "enable_prefix_caching", "preemption_mode",
          "swap_space"});
    p.prefix_caching = flag("enable_prefix_caching", false);
    const std::string mode =
        node && node->is_map() ? node->string_or("preemption_mode", "recompute") : "recompute";
    if (mode == "swap") {
      p.swap_preemption = true;
    } else if (mode != "recompute") {
      node->at("preemption_mode").fail("must be recompute or swap, got '" + mode + "'");
    }
    if (node && node->is_map() && node->has("swap_space")) {
      if (!p.swap_preemption) node->at("swap_space").fail("swap_space needs preemption_mode: swap");
      const double gib = node->number("swap_space");
      if (!(gib > 0 && gib <= 4096)) node->at("swap_space").fail("must lie in (0, 4096] GiB");
      c.swap_space = gib * 1024.0 * 1024.0 * 1024.0;
    } else if (p.swap_preemption) {
      c.swap_space = 4.0 * 1024.0 * 1024.0 * 1024.0;  // vLLM's default, GiB per GPU
    }
    p.max_model_len = get("max_model_len", 4096, 1, kMaxLen);
    const bool chunked = flag("enable_chunked_prefill", false);
    p.batching = chunked ? LlmBatching::kChunked : LlmBatching::kPrefillFirst;
    p.max_num_seqs = get("max_num_seqs", 256, 1, 1 << 16);
    p.max_num_batched_tokens =
        get("max_num_batched_tokens", chunked ? 512 : std::max<std::int64_t>(p.max_model_len, 2048),
            1, kMaxLen);
    if (!chunked && p.max_num_batched_tokens < p.max_model_len) {
      node->at("max_num_batched_tokens")
          .fail("max_num_batched_tokens (" + std::to_string(p.max_num_batched_tokens) +
                ") is smaller than max_model_len (" + std::to_string(p.max_model_len) +
                "): without chunked prefill a whole prompt must fit one iteration");
    }
    p.block_size = get("block_size", 16, 1, 1024);
    c.memory_share = share("gpu_memory_utilization", 0.9);
    c.watermark = 0.01;
  } else if (c.name == "sarathi") {
    // Sarathi-Serve: chunked prefills under a token budget, decodes never stalled.
    keys({"name", "max_num_seqs", "chunk_size", "block_size", "gpu_memory_utilization",
          "max_model_len", "enable_prefix_caching"});
    p.prefix_caching = flag("enable_prefix_caching", false);
    p.batching = LlmBatching::kChunked;
    p.max_model_len = get("max_model_len", 4096, 1, kMaxLen);
    p.max_num_seqs = get("max_num_seqs", 128, 1, 1 << 16);
    p.max_num_batched_tokens = get("chunk_size", 512, 1, kMaxLen);
    p.block_size = get("block_size", 16, 1, 1024);
    c.memory_share = share("gpu_memory_utilization", 0.9);
    c.watermark = 0.01;
  } else if (c.name == "orca") {
    // Orca: iteration-level scheduling, whole prompts beside decodes, KV reserved for the
    // longest sequence the engine accepts.
    keys({"name", "max_batch_size", "max_model_len", "gpu_memory_utilization"});
    p.batching = LlmBatching::kMixed;
    p.reservation = LlmKvReservation::kMaxLength;
    p.max_model_len = get("max_model_len", 2048, 1, kMaxLen);
    p.max_num_seqs = get("max_batch_size", 32, 1, 1 << 16);
    p.max_num_batched_tokens = std::numeric_limits<std::uint32_t>::max();
    p.block_size = 16;
    c.memory_share = share("gpu_memory_utilization", 0.9);
  } else if (c.name == "tensorrt_llm") {
    // TensorRT-LLM's in-flight batching and its executor options.
    keys({"name", "max_batch_size", "max_num_tokens", "max_seq_len", "tokens_per_block",
          "kv_cache_free_gpu_mem_fraction", "capacity_scheduler_policy", "enable_chunked_context",
          "enable_kv_cache_reuse"});
    p.prefix_caching = flag("enable_kv_cache_reuse", false);
    p.max_model_len = get("max_seq_len", 4096, 1, kMaxLen);
    p.max_num_seqs = get("max_batch_size", 256, 1, 1 << 16);
    p.max_num_batched_tokens = get("max_num_tokens", 8192, 1, kMaxLen);
    p.block_size = get("tokens_per_block", 64, 1, 1024);
    p.batching =
        flag("enable_chunked_context", false) ? LlmBatching::kChunked : LlmBatching::kMixed;
    const std::string policy =
        node && node->is_map() ? node->string_or("capacity_scheduler_policy", "guaranteed_no_evict")
                               : "guaranteed_no_evict";
    if (policy == "guaranteed_no_evict") {
      p.reservation = LlmKvReservation::kRequest;
      if (p.prefix_caching) {
        node->at("enable_kv_cache_reuse")
            .fail(
                "KV cache reuse is modelled on the paged cache: use "
                "capacity_scheduler_policy: max_utilization");
      }
    } else if (policy == "max_utilization") {
      p.reservation = LlmKvReservation::kPaged;
    } else {
      node->at("capacity_scheduler_policy")
          .fail("must be guaranteed_no_evict or max_utilization, got '" + policy + "'");
    }
    c.memory_share = share("kv_cache_free_gpu_mem_fraction", 0.9);
    c.share_of_free = true;
  } else if (c.name == "static") {
    keys({"name", "max_batch_size", "max_model_len"});
    p.batching = LlmBatching::kStatic;
    p.max_model_len = get("max_model_len", 4096, 1, kMaxLen);
    p.max_num_seqs = get("max_batch_size", 16, 1, 1 << 16);
    p.max_num_batched_tokens = std::numeric_limits<std::uint32_t>::max();
  } else {
    (node ? (node->is_map() ? node->at("name") : *node) : engine)
        .fail("unknown scheduler '" + c.name +
              "'; use vllm, sarathi, orca, tensorrt_llm or static");
  }
  return c;
}

LinearStepTime linear_step_at(const ConfigNode& node) {
  node.expect_keys({"fixed", "per_prefill_token", "per_decode_sequence", "per_context_token",
                    "per_swapped_block"});
  const auto seconds = [&](std::string_view key) {
    const SimTime t = node.duration_or(key, 0);
    if (t < 0) node.at(key).fail("'" + std::string(key) + "' may not be negative");
    return to_seconds(t);
  };
  LinearStepTime s{seconds("fixed"), seconds("per_prefill_token"), seconds("per_decode_sequence"),
                   seconds("per_context_token"), seconds("per_swapped_block")};
  if (s.fixed + s.per_prefill_token + s.per_decode_sequence + s.per_context_token <= 0)
    node.fail("a step time needs at least one cost greater than zero");
  return s;
}

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

LlmEngine LlmEngine::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type",          "to",           "model",           "gpu",
                    "precision",     "software",     "tensor_parallel", "pipeline_parallel",
                    "replicas",      "router",       "scheduler",       "step_time",
                    "kv_blocks",     "swap_blocks",  "price_per_hour",  "prompt_tokens",
                    "output_tokens", "slo",          "disaggregation",  "prefix_sharing",
                    "host_overhead", "nvlink_bridge"});
  LlmEngineSetup s;
  s.name = node.path().substr(node.path().rfind('.') + 1);
  SchedulerChoice choice = scheduler_at(node);
  s.scheduler = choice.name;
  s.policy = choice.policy;
  s.replicas = count_at(node, "replicas", 1, 1, 100000);
  if (const auto share = node.find("prefix_sharing")) {
    // The workload's shared prefixes (system prompts, few-shot examples, a document asked
    // about again): a request belongs to one of `groups` groups with probability `share`.
    share->expect_keys({"share", "groups", "prefix_tokens"});
    s.prefix_share = share_at(*share, "share", 1.0);
    s.policy.prefix_groups = count_at(*share, "groups", 1, 1, 4096);
    s.policy.prefix_tokens = count_at(*share, "prefix_tokens", 512, 1, 1 << 22);
  }
  const auto split = node.find("disaggregation");
  if (split) {
    if (node.has("replicas")) {
      node.at("replicas")
          .fail("with disaggregation, give its prefill_replicas and decode_replicas instead");
    }
    split->expect_keys({"prefill_replicas", "decode_replicas", "link", "kv_bytes_per_token"});
    if (s.policy.batching == LlmBatching::kStatic)
      split->fail("a static batch is prefilled and decoded in one place: no disaggregation");
    s.disaggregation.prefill_replicas = count_at(*split, "prefill_replicas", 1, 1, 100000);
    s.replicas =
        s.disaggregation.prefill_replicas + count_at(*split, "decode_replicas", 1, 1, 100000);
    const LinkRate link = link_rate_at(split->at("link"), ctx.catalog());
    s.disaggregation.bandwidth = link.bandwidth;
    s.disaggregation.latency = link.latency;
  }
  // router: NAME | {name: prefix_affinity, balance_abs_threshold, balance_rel_threshold}
  const auto router_node = node.find("router");
  std::string router = "least_outstanding";
  if (router_node && router_node->is_map()) {
    router_node->expect_keys({"name", "balance_abs_threshold", "balance_rel_threshold"});
    router = router_node->string("name");
    if (router != "prefix_affinity" && router_node->size() > 1)
      router_node->fail("balance thresholds belong to router prefix_affinity");
    s.balance_abs = count_at(*router_node, "balance_abs_threshold", 32, 0, 1 << 30);
    s.balance_rel = router_node->number_or("balance_rel_threshold", 1.0001);
    if (!(s.balance_rel >= 1.0)) router_node->at("balance_rel_threshold").fail("must be >= 1");
  } else if (router_node) {
    router = router_node->as_string();
  }
  if (router == "round_robin") {
    s.routing = LlmRouting::kRoundRobin;
  } else if (router == "least_outstanding") {
    s.routing = LlmRouting::kLeastOutstanding;
  } else if (router == "least_kv_usage") {
    s.routing = LlmRouting::kLeastKvUsage;
  } else if (router == "prefix_affinity") {
    s.routing = LlmRouting::kPrefixAffinity;
    if (s.prefix_share == 0)
      node.at("router").fail("router prefix_affinity needs the workload's prefix_sharing");
  } else {
    node.at("router").fail("unknown router '" + router +
                           "'; use round_robin, least_outstanding, least_kv_usage or "
                           "prefix_affinity");
  }
  s.default_prompt = count_at(node, "prompt_tokens", 0, 0, 1 << 22);
  s.default_output = count_at(node, "output_tokens", 0, 0, 1 << 22);
  if (const auto slo = node.find("slo")) {
    slo->expect_keys({"ttft", "tpot"});
    s.ttft_slo = slo->duration_or("ttft", kTimeInfinity);
    s.tpot_slo = slo->duration_or("tpot", kTimeInfinity);
  }
  const bool on_gpu = node.has("gpu");
  if (on_gpu == node.has("step_time"))
    node.fail("an llm_engine needs either `gpu:` (with `model:`) or `step_time:` (hardware-free)");
  char buf[320];
  if (!on_gpu) {
    for (const char* key : {"model", "precision", "software", "tensor_parallel",
                            "pipeline_parallel", "host_overhead", "nvlink_bridge"}) {
      if (node.has(key)) node.at(key).fail(std::string("'") + key + "' needs `gpu:`");
    }
    if (!node.has("kv_blocks")) node.fail("a hardware-free llm_engine needs `kv_blocks:`");
    if (split) {
      if (!split->has("kv_bytes_per_token"))
        split->fail(
            "a hardware-free engine needs the KV bytes per token it moves: kv_bytes_per_token");
      s.disaggregation.kv_bytes_per_token = split->bytes("kv_bytes_per_token");
      if (!(s.disaggregation.kv_bytes_per_token > 0))
        split->at("kv_bytes_per_token").fail("must be greater than zero");
    }
    s.step = std::make_shared<LlmStepTime>(linear_step_at(node.at("step_time")));
    s.price_per_hour = s.replicas * node.number_or("price_per_hour", 0);
  } else {
    if (node.has("price_per_hour"))
      node.at("price_per_hour").fail("on a GPU the price comes from the catalog");
    const ModelProfile& model = model_at(node, ctx.catalog());
    if (!model.decoder) node.at("model").fail("model '" + model.name + "' is not a decoder LLM");
    const Precision precision = precision_at(node, model.default_precision);
    GpuPerformance perf = performance_at(node, ctx.catalog(), "tensorrt");
    const std::uint32_t tp = count_at(node, "tensor_parallel", 1, 1, 8);
    const std::uint32_t pp = count_at(node, "pipeline_parallel", 1, 1, 64);
    if (pp > static_cast<std::uint32_t>(model.decoder->layers)) {
      node.at("pipeline_parallel")
          .fail("pipeline_parallel " + std::to_string(pp) + " exceeds the " +
                std::to_string(model.decoder->layers) + " layers of " + model.name);
    }
    if (pp > 1 && s.policy.batching == LlmBatching::kStatic)
      node.at("pipeline_parallel").fail("the static scheduler runs without pipeline parallelism");
    if (node.has("swap_blocks"))
      node.at("swap_blocks").fail("on a GPU the scheduler's swap_space (GiB per GPU) sizes it");
    // Each GPU of a stage holds its share of the layers: of the weights and of every token's
    // keys and values.
    const double stage_layers = std::ceil(static_cast<double>(model.decoder->layers) / pp);
    const double stage_share = stage_layers / model.decoder->layers;
    if (model.decoder->heads > 0 && model.decoder->heads % static_cast<int>(tp) != 0) {
      node.at("tensor_parallel")
          .fail("tensor_parallel " + std::to_string(tp) + " does not divide the " +
                std::to_string(model.decoder->heads) + " attention heads of " + model.name);
    }
    if (!(perf.gpu().peak(precision) > 0)) {
      node.at("gpu").fail("GPU '" + perf.gpu().name + "' has no " +
                          std::string(to_string(precision)) + " support in the catalog");
    }
    s.gpus_per_replica = tp * pp;
    s.pipeline_stages = pp;
    if (split) {
      if (split->has("kv_bytes_per_token"))
        split->at("kv_bytes_per_token").fail("on a GPU the model's geometry gives the KV bytes");
      s.disaggregation.kv_bytes_per_token = model.decoder->kv_bytes_per_token(precision);
    }
    // The KV cache gets what the weights and the activations of the largest iteration leave
    // of each GPU's share of memory (vLLM profiles that iteration at start-up).
    const double memory = perf.gpu().memory_bytes;
    const double weights = model.weight_bytes(precision) * stage_share / tp;
    const double peak_tokens = std::min<double>(s.policy.max_num_batched_tokens, 16384.0);
    const double workspace =
        (model.memory_footprint(1, peak_tokens, precision) - model.weight_bytes(precision)) / tp;
    const double kv_budget = choice.share_of_free
                                 ? choice.memory_share * (memory - weights - workspace)
                                 : choice.memory_share * memory - weights - workspace;
    const double kv_per_token = model.decoder->kv_bytes_per_token(precision) * stage_share / tp;
    if (weights > memory) {
      node.at("model").fail(model.name + " does not fit " + std::to_string(tp * pp) + " x " +
                            perf.gpu().name + " at " + std::string(to_string(precision)) +
                            ": its weights take " + gib(weights) + " of each GPU's " + gib(memory));
    }
    const double blocks =
        kv_budget > 0 ? std::floor(kv_budget / (kv_per_token * s.policy.block_size)) : 0;
    if (node.has("kv_blocks")) {
      s.policy.kv_blocks = static_cast<std::uint64_t>(node.integer("kv_blocks"));
      if (static_cast<double>(s.policy.kv_blocks) > blocks) {
        node.at("kv_blocks")
            .fail("more KV blocks than the GPUs' memory holds (" +
                  std::to_string(static_cast<std::uint64_t>(blocks)) + ")");
      }
    } else {
      s.policy.kv_blocks = static_cast<std::uint64_t>(blocks);
    }
    // vLLM gives each virtual engine (micro-batch in flight) an equal share of the blocks.
    s.policy.kv_blocks /= pp;
    if (choice.swap_space > 0) {
      s.policy.swap_blocks = static_cast<std::uint64_t>(
          std::floor(choice.swap_space / (kv_per_token * s.policy.block_size)) / pp);
    }
    if (s.policy.batching != LlmBatching::kStatic &&
        static_cast<double>(s.policy.kv_blocks) * s.policy.block_size < s.policy.max_model_len) {
      node.at("model").fail(model.name + " does not fit " + std::to_string(tp * pp) + " x " +
                            perf.gpu().name + " at " + std::string(to_string(precision)) +
                            ": weights " + gib(weights) + " and workspace " + gib(workspace) +
                            " per GPU leave " + gib(std::max(kv_budget, 0.0)) +
                            " of KV cache, fewer than one sequence of max_model_len " +
                            std::to_string(s.policy.max_model_len) + " tokens needs (" +
                            gib(kv_per_token * s.policy.max_model_len) + " per GPU)");
    }
    // Each GPU holds its share of the weights, the workspace of the largest iteration and its
    // share of the KV cache; the host stages the checkpoint and, per GPU, a worker's runtime and
    // its swap space (vLLM pins swap_space GiB per GPU).
    s.memory.gpus = tp * pp;
    s.memory.gpu_capacity_bytes = memory;
    s.memory.gpu_bytes =
        weights + workspace +
        static_cast<double>(s.policy.kv_blocks) * pp * s.policy.block_size * kv_per_token;
    s.memory.host_bytes =
        model.weight_bytes(precision) + tp * pp * (kServingRuntimeHostBytes + choice.swap_space);
    s.price_per_hour = s.replicas * tp * pp * perf.gpu().price_per_hour;
    s.peak_flops = tp * pp * perf.gpu().peak(precision);
    s.peak_memory_bandwidth = tp * pp * perf.gpu().hbm_bandwidth;
    std::snprintf(buf, sizeof buf, "%s %s on %u x (%u x %s), %s, %llu KV blocks of %u tokens",
                  model.name.c_str(), std::string(to_string(precision)).c_str(), s.replicas,
                  tp * pp, perf.gpu().name.c_str(), s.scheduler.c_str(),
                  static_cast<unsigned long long>(s.policy.kv_blocks) * pp, s.policy.block_size);
    s.description = buf;
    if (pp > 1) {
      s.description += ", tensor_parallel " + std::to_string(tp) + " x pipeline_parallel " +
                       std::to_string(pp) + " (" + std::to_string(pp) + " micro-batches)";
    }
    GpuStepModel gpu_model{
        std::move(perf),    model, precision, static_cast<int>(tp), static_cast<int>(pp),
        s.policy.block_size};
    if (s.scheduler == "tensorrt_llm") {
      gpu_model.host_per_iteration = kTensorRtLlmHostPerIteration;
      gpu_model.host_per_sequence = kTensorRtLlmHostPerSequence;
    }
    if (const auto host = node.find("host_overhead")) {
      // host_overhead: {per_iteration: DURATION, per_sequence: DURATION}
      host->expect_keys({"per_iteration", "per_sequence"});
      for (const auto& [key, field] : {std::pair{"per_iteration", &gpu_model.host_per_iteration},
                                       std::pair{"per_sequence", &gpu_model.host_per_sequence}}) {
        if (!host->has(key)) continue;
        *field = to_seconds(host->duration(key));  // the parser refuses negative durations
      }
    }
    if (node.boolean_or("nvlink_bridge", false)) {
      // A bridge joins two PCIe cards: the pair is one tensor-parallel group.
      const ConfigNode bridge = node.at("nvlink_bridge");
      if (!(gpu_model.perf.gpu().nvlink_bridge_bandwidth > 0)) {
        bridge.fail("GPU '" + gpu_model.perf.gpu().name +
                    "' takes no NVLink bridge (catalog nvlink_bridge_bandwidth)");
      }
      if (tp != 2) {
        bridge.fail("an NVLink bridge joins two GPUs: it needs tensor_parallel 2, not " +
                    std::to_string(tp));
      }
      gpu_model.nvlink_bridge = true;
      s.description += ", NVLink-bridged pair";
    }
    s.step = std::make_shared<LlmStepTime>(std::move(gpu_model));
  }
  if (!on_gpu) {
    const std::int64_t blocks = node.integer("kv_blocks");
    if (blocks < 1) node.at("kv_blocks").fail("kv_blocks must be at least 1");
    s.policy.kv_blocks = static_cast<std::uint64_t>(blocks);
    if (s.policy.swap_preemption) {
      // Hardware-free: the host's swap room in blocks, its copy time per_swapped_block.
      if (!node.has("swap_blocks"))
        node.fail("a hardware-free engine swapping KV blocks needs `swap_blocks:`");
      if (const auto sch = node.find("scheduler"); sch && sch->is_map() && sch->has("swap_space"))
        sch->at("swap_space").fail("a hardware-free engine takes swap_blocks");
      s.policy.swap_blocks = count_at(node, "swap_blocks", 0, 1, 1LL << 31);
    }
    std::snprintf(buf, sizeof buf, "%u replica%s, %s, %llu KV blocks of %u tokens (step_time)",
                  s.replicas, s.replicas > 1 ? "s" : "", s.scheduler.c_str(),
                  static_cast<unsigned long long>(s.policy.kv_blocks), s.policy.block_size);
    s.description = buf;
  }
  if (node.has("swap_blocks") && !s.policy.swap_preemption)
    node.at("swap_blocks").fail("swap_blocks needs scheduler preemption_mode: swap");
  if (split) {
    s.description += ", " + std::to_string(s.disaggregation.prefill_replicas) + " of them prefill";
  }
  s.policy.watermark_blocks =
      static_cast<std::uint64_t>(choice.watermark * static_cast<double>(s.policy.kv_blocks));
  ctx.rent(s.price_per_hour);
  return LlmEngine(std::move(s), ctx.optional_link(node, "to"), ctx.warmup(), ctx.interval(),
                   ctx.adaptive());
}

void LlmEngine::report(ComponentReport& r, const ReportContext& ctx) const {
  r.text("hardware", setup_.description, kText);
  r.count("replicas", setup_.replicas);
  r.count("arrivals", arrivals_);
  r.count("served", completed_, kText);
  r.count("rejected_too_long", rejected_, rejected_ > 0 ? kHeadline : kDetail);
  r.count("preemptions", preemptions(), kText);
  if (setup_.policy.swap_preemption) r.count("swaps", swaps(), kText);
  r.value("mean_preemptions_per_request", preempted_.mean(), Unit::kNumber);
  r.count("iterations", iterations_);
  if (setup_.policy.prefix_caching) {
    r.value("prefix_cache_hit_rate", prefix_cache_hit_rate(), Unit::kShare, kHeadline);
  }
  if (setup_.disaggregation.prefill_replicas > 0) {
    r.count("prefill_replicas", setup_.disaggregation.prefill_replicas);
    r.count("decode_replicas", setup_.replicas - setup_.disaggregation.prefill_replicas);
    r.count("kv_transfers", transfers_done_, kText);
    r.value("mean_kv_transfer_s", transfer_s_.mean(), Unit::kSeconds, kHeadline);
    r.value("kv_bytes_transferred", transfer_bytes_, Unit::kBytes);
  }
  r.latency("ttft", ttft_.mean(), ttft_hist_, kP50 | kP99, kMean | kP50 | kP99);
  r.latency("tpot", tpot_.mean(), tpot_hist_, kP50 | kP99, kMean | kP50 | kP99);
  r.latency("e2e", e2e_.mean(), e2e_hist_, kMean | kP99, kMean | kP99, true);
  r.latency("queueing", queue_.mean(), queue_hist_, kNoPart, kMean | kP99);
  r.value("mean_normalized_latency_s", normalized_.mean(), Unit::kSeconds);
  r.value("throughput_per_s", ctx.per_second(static_cast<double>(measured_)), Unit::kPerSecond,
          kHeadline);
  r.value("goodput_per_s", ctx.per_second(static_cast<double>(good_)), Unit::kPerSecond, kHeadline);
  r.value("goodput_share",
          measured_ > 0 ? static_cast<double>(good_) / static_cast<double>(measured_) : 0.0,
          Unit::kShare, kHeadline);
  r.value("input_tokens_per_s", ctx.per_second(static_cast<double>(input_tokens_)),
          Unit::kPerSecond, kHeadline);
  r.value("output_tokens_per_s", ctx.per_second(static_cast<double>(output_tokens_)),
          Unit::kPerSecond, kHeadline);
  r.value("mean_batch_size", batch_.mean(), Unit::kNumber, kHeadline);
  r.value("mean_running", mean_running(ctx.end_time), Unit::kNumber);
  r.value("kv_utilisation", kv_utilisation(ctx.end_time), Unit::kShare, kHeadline);
  r.value("peak_kv_utilisation", peak_kv_utilisation(), Unit::kShare);
  r.value("utilisation", mean_busy_replicas(ctx.end_time) / engines(), Unit::kShare, kHeadline);
  if (setup_.peak_flops > 0) {
    r.value(
        "mfu",
        ctx.measured_s > 0 ? flops_ / (ctx.measured_s * setup_.peak_flops * setup_.replicas) : 0.0,
        Unit::kShare, kHeadline);
    // Model bandwidth utilisation: weights and KV cache read and written per second over the
    // HBM bandwidth (Databricks' definition; activations are left out).
    r.value("mbu",
            ctx.measured_s > 0
                ? memory_bytes_ / (ctx.measured_s * setup_.peak_memory_bandwidth * setup_.replicas)
                : 0.0,
            Unit::kShare, kHeadline);
  }
  r.value("price_per_hour", setup_.price_per_hour, Unit::kDollars);
  if (setup_.memory.gpus > 0) setup_.memory.report(r);
  if (setup_.price_per_hour > 0) {
    // NaN (null in JSON) when no token was produced.
    const double per_s = ctx.per_second(static_cast<double>(output_tokens_));
    r.value("cost_per_million_output_tokens",
            per_s > 0 ? setup_.price_per_hour / 3600.0 / per_s * 1e6
                      : std::numeric_limits<double>::quiet_NaN(),
            Unit::kDollars, kHeadline);
  }
  // Per replica (its micro-batches together): Little's law relates mean_in_system to
  // throughput_per_s x mean_time_s on each.
  r.table("by_replica", "replica", "replicas",
          {{"left", Unit::kCount, false, kDetail},
           {"mean_in_system", Unit::kNumber, false, kDetail},
           {"mean_time_s", Unit::kSeconds, false, kDetail},
           {"throughput_per_s", Unit::kPerSecond, false, kDetail},
           {"input_tokens_per_s", Unit::kPerSecond, false, kDetail},
           {"output_tokens_per_s", Unit::kPerSecond, false, kDetail},
           {"mean_batch_size", Unit::kNumber, false, kDetail},
           {"mean_running", Unit::kNumber, false, kDetail},
           {"kv_utilisation", Unit::kShare, false, kDetail},
           {"utilisation", Unit::kShare, false, kDetail}});
  const std::uint32_t stages = setup_.pipeline_stages;
  for (std::uint32_t rep = 0; rep < setup_.replicas; ++rep) {
    Welford time_in, batch;
    double in_system = 0, running = 0, kv = 0, busy = 0, in_tokens = 0, out_tokens = 0;
    for (std::uint32_t k = 0; k < stages; ++k) {
      const InstanceStats& st = instances_[rep * stages + k];
      time_in.merge(st.time_in);
      batch.merge(st.batch);
      in_system += st.in_system.mean(ctx.end_time);
      running += st.running.mean(ctx.end_time);
      kv += st.kv_used.mean(ctx.end_time);
      busy += st.busy.mean(ctx.end_time);
      in_tokens += static_cast<double>(st.input_tokens);
      out_tokens += static_cast<double>(st.output_tokens);
    }
    r.row(replica_name(rep),
          {static_cast<double>(time_in.count()), in_system, time_in.mean(),
           ctx.per_second(static_cast<double>(time_in.count())), ctx.per_second(in_tokens),
           ctx.per_second(out_tokens), batch.mean(), running,
           kv / (static_cast<double>(setup_.policy.kv_blocks) * stages), busy / stages});
  }
  r.summary_count(completed_);
  r.compute_cost_per_s(mean_busy_replicas(ctx.end_time) * setup_.price_per_hour / engines() /
                       3600.0);
}

}  // namespace scalesim
