#include "models/serving/llm_step_time.h"

#include <algorithm>

#include "models/serving/model_server_config.h"

namespace scalesim {

using namespace hardware;

LlmStepTime::LlmStepTime(GpuStepModel gpu)
    : gpu_(std::move(gpu)),
      static_cost_(
          gpu_batch_cost(gpu_->perf, gpu_->model, gpu_->precision, gpu_->model.default_input)) {
  // vLLM gives each stage an equal share of the layers; the largest share sets the pace.
  const int layers = gpu_->model.decoder->layers;
  const int per_stage = (layers + gpu_->pipeline_parallel - 1) / gpu_->pipeline_parallel;
  stage_layers_ = per_stage;  // whole layers
  split_ = gpu_->tensor_parallel * (layers / stage_layers_);
  stage_share_ = stage_layers_ / layers;
}

double LlmStepTime::model_flops(const IterationWork& w) const {
  const ModelProfile& m = gpu_->model;
  const DecoderShape& d = *m.decoder;
  const double tokens = static_cast<double>(w.prefill_tokens) + w.decode_seqs;
  const double samples = w.prefill_seqs + w.decode_seqs;
  // GEMMs: every token of the iteration through every weight; attention: QK^T and AV, 2 FLOPs
  // per multiply-add over the hidden width, for each query-key pair (prompts) and for each
  // cached token a decode reads.
  const double pairs = w.prefill_pairs + static_cast<double>(w.context_tokens);
  return m.flops_linear * tokens + m.flops_fixed * samples + 4.0 * d.layers * d.hidden * pairs;
}

BatchWork LlmStepTime::work_of(const IterationWork& w) const {
  const ModelProfile& m = gpu_->model;
  const DecoderShape& d = *m.decoder;
  const double bytes = bytes_per_element(gpu_->precision);
  const double tokens = static_cast<double>(w.prefill_tokens) + w.decode_seqs;
  // Tensor parallelism splits every layer; a pipeline stage holds a share of the layers.
  const double split = split_;
  BatchWork b;
  b.samples = w.prefill_seqs + w.decode_seqs;
  b.flops = model_flops(w) / split;
  // The weight GEMMs: every token through every matrix, one GEMM per projection of each layer
  // (q/k/v, output, gate/up, down).
  b.gemm_flops = m.flops_linear * tokens / split;
  b.gemms = 4.0 * stage_layers_;
  b.weight_bytes = m.parameters * bytes / split;
  b.activation_bytes = m.activations_linear * tokens * bytes / split;
  // KV cache: the decodes read their contexts, chunks read the earlier chunks of their prompt,
  // every token of the iteration writes its keys and values.
  const double kv_tokens =
      static_cast<double>(w.context_tokens) + static_cast<double>(w.prefill_kv_reads) + tokens;
  // Paged blocks are contiguous runs of block_size tokens per head: the attention kernels read
  // them as streams, as the weights, not as scattered gathers.
  b.weight_bytes += kv_tokens * d.kv_bytes_per_token(gpu_->precision) / split;
  b.kernels = m.kernels * stage_share_;
  b.eager_ops = m.eager_ops * stage_share_;
  return b;
}

double LlmStepTime::iteration_seconds(const IterationWork& w) const {
  if (!gpu_) {
    return linear_.fixed + linear_.per_prefill_token * static_cast<double>(w.prefill_tokens) +
           linear_.per_decode_sequence * w.decode_seqs +
           linear_.per_context_token * static_cast<double>(w.context_tokens) +
           linear_.per_swapped_block * static_cast<double>(w.swapped_blocks);
  }
  double t = gpu_->perf.forward(work_of(w), gpu_->precision).total;
  const double layers = stage_layers_;
  if (w.swapped_blocks > 0) {
    // vLLM copies swapped blocks before the forward pass, over each GPU's host link.
    const double block_bytes = gpu_->block_size *
                               gpu_->model.decoder->kv_bytes_per_token(gpu_->precision) * layers /
                               gpu_->model.decoder->layers / gpu_->tensor_parallel;
    t += static_cast<double>(w.swapped_blocks) * block_bytes / gpu_->perf.gpu().host_link_bandwidth;
  }
  if (gpu_->tensor_parallel > 1) {
    // Megatron-style tensor parallelism: the attention output and the MLP output of every layer
    // are summed over the GPUs (two all-reduces of the iteration's hidden states per layer).
    const double tokens = static_cast<double>(w.prefill_tokens) + w.decode_seqs;
    const double message =
        tokens * gpu_->model.decoder->hidden * bytes_per_element(gpu_->precision);
    const double link = gpu_->nvlink_bridge ? gpu_->perf.gpu().nvlink_bridge_bandwidth
                                            : gpu_->perf.gpu().gpu_link_bandwidth;
    t += 2.0 * layers *
         ring_allreduce_time(message, gpu_->tensor_parallel, link, gpu_->link_latency);
  }
  return t;
}

double LlmStepTime::stage_handoff_seconds(const IterationWork& w) const {
  if (!gpu_ || gpu_->pipeline_parallel == 1) return 0;
  const double tokens = static_cast<double>(w.prefill_tokens) + w.decode_seqs;
  // Each tensor-parallel GPU sends the hidden states to its peer of the next stage.
  return tokens * gpu_->model.decoder->hidden * bytes_per_element(gpu_->precision) /
             gpu_->perf.gpu().gpu_link_bandwidth +
         gpu_->link_latency;
}

double LlmStepTime::iteration_flops(const IterationWork& w) const {
  if (!gpu_ || w.static_batch > 0) return 0;
  return model_flops(w);
}

double LlmStepTime::iteration_memory_bytes(const IterationWork& w) const {
  if (!gpu_ || w.static_batch > 0) return 0;
  const ModelProfile& m = gpu_->model;
  const double tokens = static_cast<double>(w.prefill_tokens) + w.decode_seqs;
  const double kv_tokens =
      static_cast<double>(w.context_tokens) + static_cast<double>(w.prefill_kv_reads) + tokens;
  return m.parameters * bytes_per_element(gpu_->precision) +
         kv_tokens * m.decoder->kv_bytes_per_token(gpu_->precision);
}

SimTime LlmStepTime::iteration(const IterationWork& w) const {
  if (w.static_batch == 0)
    return std::max<SimTime>(1, from_seconds(iteration_seconds(w) + host_seconds(w)));
  if (gpu_)
    return static_cost_->time(static_cast<int>(w.static_batch), w.static_prompt, w.static_output,
                              1);
  // Hardware-free static batch: one prefill of the padded prompts, then output - 1 decode steps
  // of the whole batch with contexts growing from prompt + 1.
  const double b = w.static_batch;
  const double p = w.static_prompt;
  const double steps = w.static_output - 1.0;
  const double seconds = linear_.fixed + linear_.per_prefill_token * b * p +
                         steps * (linear_.fixed + linear_.per_decode_sequence * b) +
                         linear_.per_context_token * b * (steps * p + steps * (steps + 1) / 2);
  return std::max<SimTime>(1, from_seconds(seconds));
}

}  // namespace scalesim
