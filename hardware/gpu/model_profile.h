// A model's compute and memory demands (configs/models/*.yaml): FLOPs and bytes per sample as
// functions of the input size n (tokens, images, seconds of audio), weight bytes, and the
// kernel counts that set fixed costs. The roofline in gpu_performance.h turns these into time.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "hardware/gpu/convergence.h"
#include "hardware/gpu/precision.h"
#include "scalesim/config/config_node.h"

namespace scalesim::hardware {

// The work of one forward pass over a batch, as the GPU model consumes it.
struct BatchWork {
  double flops = 0;             // arithmetic of the whole batch
  double weight_bytes = 0;      // weights read once per forward (shared by the batch)
  double activation_bytes = 0;  // activation elements written once, in bytes
  double lookup_bytes = 0;      // random gathers (embedding rows) read once
  // Of `flops`, what runs as large dense GEMMs (an LLM's weight matrices), in `gemms` kernels:
  // priced at the architecture's measured GEMM efficiency where it has one.
  double gemm_flops = 0;
  double gemms = 0;
  double kernels = 0;    // kernels launched when fused (TensorRT)
  double eager_ops = 0;  // framework ops when run eagerly (PyTorch)
  double samples = 0;
};

// Decoder LLM geometry: what prefill and decode cost per token.
struct DecoderShape {
  int layers = 0;
  int hidden = 0;
  int kv_dim = 0;  // key/value width per layer (hidden for multi-head attention)
  int heads = 0;   // query heads (0: not given); tensor parallelism splits them
  double kv_bytes_per_token(Precision p) const {
    return 2.0 * layers * kv_dim * bytes_per_element(p);
  }
};

struct NamedInput {
  double size = 0;       // nominal size (sets memory footprint)
  double effective = 0;  // size the kernels actually process (variable-length kernels)
};

struct ModelProfile {
  std::string name;
  std::string task;        // "image classification", "question answering", ...
  std::string input_unit;  // "image", "token", "second", "sample"
  double default_input = 1;
  // Per sample: flops = fixed + linear * n + quadratic * n^2 (attention is the n^2 term).
  double flops_fixed = 0, flops_linear = 0, flops_quadratic = 0;
  double activations_fixed = 0, activations_linear = 0;  // elements written per forward
  double parameters = 0;                                 // dense weights
  double embedding_parameters = 0;                       // sparse tables, gathered per sample
  double lookups_per_sample = 0;                         // embedding rows gathered per sample
  double embedding_dim = 0;
  double kernels = 0, eager_ops = 0;
  double sample_bytes = 0;      // one stored training sample (data loading)
  double cpu_efficiency = 0.3;  // fraction of a CPU core's peak this model reaches
  Precision default_precision = Precision::kFp16;
  std::optional<DecoderShape> decoder;
  std::map<std::string, NamedInput, std::less<>> inputs;  // calibration inputs by name
  int offline_batch = 1024;
  std::map<Precision, int> training_batch;
  // Epochs (or samples) to the quality target by global batch size, where published.
  std::optional<ConvergenceCurve> convergence;
  std::string source;

  double flops_per_sample(double n) const {
    return flops_fixed + flops_linear * n + flops_quadratic * n * n;
  }
  double activations_per_sample(double n) const {
    return activations_fixed + activations_linear * n;
  }
  double weight_bytes(Precision p) const {
    return (parameters + embedding_parameters) * bytes_per_element(p);
  }

  // One forward pass of `batch` samples of input size n (effective size for the kernels).
  BatchWork forward(int batch, double n, Precision p) const;
  // Decoder LLMs: prefill of `batch` prompts of `prompt_tokens`, and one decode step for
  // `batch` sequences whose contexts hold `context_tokens` on average.
  BatchWork prefill(int batch, double prompt_tokens, Precision p) const;
  BatchWork decode_step(int batch, double context_tokens, Precision p) const;

  // Device memory a batch needs: weights, live activations and (decoders) the KV cache.
  double memory_footprint(int batch, double n, Precision p, double kv_tokens = 0) const;

  static ModelProfile from_config(const std::string& name, const ConfigNode& node);
};

}  // namespace scalesim::hardware
