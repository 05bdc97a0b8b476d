// The time of one LLM engine iteration (a forward pass over the running batch), from either
//  - constants in the config (`step_time:`, hardware-free, for exact validation):
//      t = fixed + per_prefill_token x prefill tokens + per_decode_sequence x decoding sequences
//          + per_context_token x KV tokens read by the decodes
//  - the calibrated GPU roofline (hardware/gpu): the iteration's GEMMs over all its tokens, the
//    attention of its prompt chunks (pairs of tokens) and of its decodes (KV tokens read), the
//    weights read once, split over `tensor_parallel` GPUs with two ring all-reduces of the
//    hidden state per layer over the GPUs' NVLink/PCIe. With `pipeline_parallel` stages each
//    stage runs its share of the layers and hands the hidden states to the next over the GPU
//    link; KV blocks swapped to or from host memory cross each GPU's PCIe link before the pass.
#pragma once

#include <memory>
#include <optional>

#include "hardware/gpu/gpu_performance.h"
#include "hardware/gpu/model_profile.h"
#include "models/serving/llm_scheduler.h"
#include "models/serving/model_server.h"
#include "scalesim/sim_time.h"

namespace scalesim {

struct LinearStepTime {
  double fixed = 0;                // s per iteration
  double per_prefill_token = 0;    // s per prompt token processed
  double per_decode_sequence = 0;  // s per sequence decoding one token
  double per_context_token = 0;    // s per cached token a decode reads
  double per_swapped_block = 0;    // s per KV block copied between GPU and host memory
};

// What the GPU model needs for an engine on `tensor_parallel` GPUs.
struct GpuStepModel {
  hardware::GpuPerformance perf;
  hardware::ModelProfile model;
  hardware::Precision precision;
  int tensor_parallel = 1;
  int pipeline_parallel = 1;
  std::uint32_t block_size = 16;  // tokens per KV block (swap traffic)
  // The serving stack's host work (scheduling, sampling, detokenising), per iteration and per
  // sequence in it: not on the GPU roofline (llm_engine `host_overhead`).
  double host_per_iteration = 0, host_per_sequence = 0;
  double link_latency = 2e-6;  // s per all-reduce ring step (hardware/gpu, training's default)
  // PCIe cards joined in pairs by NVLink bridges: tensor parallelism 2 all-reduces over the
  // bridge instead of the GPU's own link (stage hand-offs stay on PCIe).
  bool nvlink_bridge = false;
};

class LlmStepTime {
 public:
  explicit LlmStepTime(LinearStepTime linear) : linear_(linear) {}
  explicit LlmStepTime(GpuStepModel gpu);

  // Seconds of one iteration (not a static batch) on one pipeline stage (the whole model
  // without pipeline parallelism).
  double iteration_seconds(const IterationWork& w) const;
  // Seconds of the serving stack's host work for an iteration (once, whatever the stages).
  double host_seconds(const IterationWork& w) const {
    return gpu_ ? gpu_->host_per_iteration + gpu_->host_per_sequence * w.sequences() : 0.0;
  }
  // Seconds to hand an iteration's hidden states from one pipeline stage to the next.
  double stage_handoff_seconds(const IterationWork& w) const;
  int pipeline_stages() const { return gpu_ ? gpu_->pipeline_parallel : 1; }
  // FLOPs of one iteration over all its GPUs (0 without a GPU model or for a static batch).
  double iteration_flops(const IterationWork& w) const;
  // Bytes one iteration moves through HBM for weights and KV cache, over all its GPUs (MBU's
  // numerator; 0 without a GPU model or for a static batch).
  double iteration_memory_bytes(const IterationWork& w) const;
  // The time of an iteration, or of a whole static batch: prefilled together (padded to its
  // longest prompt), then decoded until its longest answer ends. On a GPU a static batch costs
  // what the model server's batch costs, so `static` reproduces `model_server` exactly.
  SimTime iteration(const IterationWork& w) const;
  const std::optional<GpuStepModel>& gpu() const { return gpu_; }

 private:
  // The work of one pipeline stage on one of its tensor-parallel GPUs.
  hardware::BatchWork work_of(const IterationWork& w) const;
  double model_flops(const IterationWork& w) const;  // the whole model's, all GPUs

  LinearStepTime linear_;
  std::optional<GpuStepModel> gpu_;
  std::shared_ptr<const BatchCost> static_cost_;
  // Pipeline stages: layers per stage, the GPUs a layer's work divides over (tensor parallel x
  // the model's share per stage) and a stage's share of the layers.
  double stage_layers_ = 0, split_ = 1, stage_share_ = 1;
};

}  // namespace scalesim
