#include "hardware/gpu/model_profile.h"

#include <algorithm>
#include <string>

namespace scalesim::hardware {
namespace {

double non_negative(const ConfigNode& node, std::string_view key, double def) {
  const auto c = node.find(key);
  if (!c) return def;
  const double v = c->as_double();
  if (v < 0) c->fail("'" + std::string(key) + "' may not be negative");
  return v;
}

Precision precision_at(const ConfigNode& node) {
  const auto p = parse_precision(node.as_string());
  if (!p)
    node.fail("unknown precision '" + node.as_string() +
              "'; use fp32, tf32, fp16, bf16, "
              "int8 or amp");
  return *p;
}

}  // namespace

BatchWork ModelProfile::forward(int batch, double n, Precision p) const {
  const double b = batch;
  BatchWork w;
  w.samples = b;
  w.flops = b * flops_per_sample(n);
  w.weight_bytes = parameters * bytes_per_element(p);
  w.activation_bytes = b * activations_per_sample(n) * bytes_per_element(p);
  // Embedding rows are gathered, not streamed: only the touched rows cross HBM.
  w.lookup_bytes = b * lookups_per_sample * embedding_dim * bytes_per_element(p);
  w.kernels = kernels;
  w.eager_ops = eager_ops;
  return w;
}

BatchWork ModelProfile::prefill(int batch, double prompt_tokens, Precision p) const {
  return forward(batch, prompt_tokens, p);
}

BatchWork ModelProfile::decode_step(int batch, double context_tokens, Precision p) const {
  // One new token per sequence: the weights are read once for the whole batch, each sequence
  // reads its own KV cache, and attention over the context adds 4 * layers * kv_dim FLOPs per
  // cached token.
  BatchWork w = forward(batch, 1.0, p);
  if (decoder) {
    w.flops +=
        static_cast<double>(batch) * 4.0 * decoder->layers * decoder->kv_dim * context_tokens;
    w.lookup_bytes += static_cast<double>(batch) * context_tokens * decoder->kv_bytes_per_token(p);
  }
  return w;
}

double ModelProfile::memory_footprint(int batch, double n, Precision p, double kv_tokens) const {
  // Live activations: at most a few layers' outputs at once; the profile's per-forward total
  // over its kernel count times two (input and output of the running kernel) bounds them.
  const double per_kernel = kernels > 0 ? activations_per_sample(n) / kernels : 0.0;
  double bytes = weight_bytes(p) + static_cast<double>(batch) * std::max(2.0 * per_kernel, 0.0) *
                                       bytes_per_element(p);
  if (decoder) bytes += kv_tokens * decoder->kv_bytes_per_token(p);
  return bytes;
}

ModelProfile ModelProfile::from_config(const std::string& name, const ConfigNode& node) {
  node.expect_map();
  node.expect_keys({"task", "input_unit", "default_input", "flops", "activations", "parameters",
                    "embedding", "kernels", "eager_ops", "sample_bytes", "cpu_efficiency",
                    "default_precision", "decoder", "inputs", "offline_batch", "training_batch",
                    "convergence", "source"});
  ModelProfile m;
  m.name = name;
  m.task = node.string("task");
  m.input_unit = node.string("input_unit");
  m.default_input = node.positive_number("default_input");
  const ConfigNode flops = node.at("flops");
  flops.expect_keys({"fixed", "linear", "quadratic"});
  m.flops_fixed = non_negative(flops, "fixed", 0);
  m.flops_linear = non_negative(flops, "linear", 0);
  m.flops_quadratic = non_negative(flops, "quadratic", 0);
  if (m.flops_per_sample(m.default_input) <= 0) flops.fail("a model needs FLOPs per sample");
  if (const auto act = node.find("activations")) {
    act->expect_keys({"fixed", "linear"});
    m.activations_fixed = non_negative(*act, "fixed", 0);
    m.activations_linear = non_negative(*act, "linear", 0);
  }
  m.parameters = node.positive_number("parameters");
  if (const auto emb = node.find("embedding")) {
    emb->expect_keys({"parameters", "lookups_per_sample", "dim"});
    m.embedding_parameters = emb->positive_number("parameters");
    m.lookups_per_sample = emb->positive_number("lookups_per_sample");
    m.embedding_dim = emb->positive_number("dim");
  }
  m.kernels = node.positive_number("kernels");
  m.eager_ops = non_negative(node, "eager_ops", m.kernels);
  if (const auto sb = node.find("sample_bytes")) m.sample_bytes = sb->as_bytes();
  m.cpu_efficiency = node.number_or("cpu_efficiency", 0.3);
  if (!(m.cpu_efficiency > 0 && m.cpu_efficiency <= 1)) {
    node.at("cpu_efficiency").fail("cpu_efficiency is a fraction in (0, 1]");
  }
  if (const auto dp = node.find("default_precision")) m.default_precision = precision_at(*dp);
  if (const auto dec = node.find("decoder")) {
    dec->expect_keys({"layers", "hidden", "kv_dim", "heads"});
    m.decoder = DecoderShape{
        static_cast<int>(dec->integer("layers")), static_cast<int>(dec->integer("hidden")),
        static_cast<int>(dec->integer("kv_dim")), static_cast<int>(dec->integer_or("heads", 0))};
    if (m.decoder->layers <= 0 || m.decoder->hidden <= 0 || m.decoder->kv_dim <= 0 ||
        m.decoder->heads < 0) {
      dec->fail("decoder layers, hidden and kv_dim must be greater than zero");
    }
  }
  if (const auto in = node.find("inputs")) {
    for (const auto& [input_name, spec] : in->entries()) {
      spec.expect_keys({"size", "effective", "note"});
      NamedInput ni;
      ni.size = spec.positive_number("size");
      ni.effective = spec.has("effective") ? spec.positive_number("effective") : ni.size;
      m.inputs.emplace(input_name, ni);
    }
  }
  m.offline_batch = static_cast<int>(node.integer_or("offline_batch", 1024));
  if (const auto tb = node.find("training_batch")) {
    for (const auto& [prec, batch] : tb->entries()) {
      const auto p = parse_precision(prec);
      if (!p) batch.fail("unknown precision '" + prec + "'");
      m.training_batch[*p] = static_cast<int>(batch.as_int());
    }
  }
  if (const auto c = node.find("convergence")) m.convergence = ConvergenceCurve::from_config(*c);
  m.source = node.string("source");
  return m;
}

}  // namespace scalesim::hardware
