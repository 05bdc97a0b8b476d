#include "hardware/gpu/gpu_performance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "hardware/network/collective.h"

namespace scalesim::hardware {
namespace {

std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  return buf;
}

}  // namespace

WorkTime GpuPerformance::run(const BatchWork& w, Precision p, double flop_factor,
                             double traffic_factor) const {
  // A power-capped card runs its math units below the boost clock the datasheet peak assumes;
  // HBM bandwidth does not follow the core clock.
  const double peak = gpu_.peak(p) * gpu_.sustained_clock_fraction();
  if (!(peak > 0)) {
    throw std::invalid_argument("GPU '" + gpu_.name + "' has no " + std::string(to_string(p)) +
                                " support in the catalog");
  }
  const double e_max = eff_.max_efficiency[index_of(p)];
  const double fill_time = eff_.fill_cycles / gpu_.sustained_clock();
  const double hbm = gpu_.hbm_bandwidth * eff_.memory_efficiency;
  const double kernels = w.kernels * traffic_factor;
  const double e_gemm = eff_.gemm_efficiency[index_of(p)];
  // Large GEMMs at their own measured efficiency, ramping with each GEMM's work as any kernel.
  const double gemm_flops = e_gemm > 0 && w.gemms > 0 ? w.gemm_flops * flop_factor : 0.0;
  const double flops = w.flops * flop_factor - gemm_flops;
  const double per_kernel = kernels > 0 ? flops / kernels : flops;
  const double efficiency = e_max * per_kernel / (per_kernel + peak * fill_time);
  WorkTime t;
  t.compute = flops > 0 ? flops / (peak * efficiency) : 0.0;
  if (gemm_flops > 0) {
    const double per_gemm = gemm_flops / w.gemms;
    t.compute += gemm_flops / (peak * e_gemm * per_gemm / (per_gemm + peak * fill_time));
  }
  // A fused kernel reads its input and writes its output: two crossings per activation. Each
  // further pass is an unfused elementwise op (batch norm, activation) that only streams.
  // Weights are one long sequential read per forward, at the device's streaming rate; gathers
  // and activations move in the pieces each kernel touches, at the fitted efficiency.
  const double activations = w.activation_bytes * traffic_factor;
  t.memory = w.weight_bytes / (gpu_.hbm_bandwidth * eff_.stream_efficiency) +
             (w.lookup_bytes * traffic_factor + 2.0 * activations) / hbm;
  const double extra = std::max(stack_.activation_passes - 2.0, 0.0) * activations / hbm;
  t.fixed = kernels * eff_.kernel_launch + stack_.per_batch_overhead;
  t.host = stack_.fused ? 0.0 : w.eager_ops * traffic_factor * stack_.per_op_overhead;
  const double gpu = kernels * eff_.kernel_launch + std::max(t.compute, t.memory) + extra;
  t.memory += extra;
  t.total = stack_.per_batch_overhead + std::max(gpu, t.host);
  return t;
}

WorkTime GpuPerformance::training_step(const BatchWork& w, Precision p, double trainable_fraction,
                                       double optimizer_bytes_per_parameter,
                                       double trainable_parameters) const {
  // Backward costs twice the forward FLOPs where gradients flow (input and weight gradients);
  // its traffic reads the saved activations and writes their gradients: again twice forward.
  const double f = std::clamp(trainable_fraction, 0.0, 1.0);
  WorkTime t = run(w, p, 1.0 + 2.0 * f, 1.0 + 2.0 * f);
  const double optimizer = trainable_parameters * optimizer_bytes_per_parameter /
                           (gpu_.hbm_bandwidth * eff_.memory_efficiency);
  t.memory += optimizer;
  t.total += optimizer;
  return t;
}

WorkTime GpuPerformance::concurrent(const WorkTime& alone, int concurrent) const {
  if (concurrent <= 1) return alone;
  const double k = concurrent;
  WorkTime t = alone;
  const double device = std::max(alone.compute, alone.memory);
  // Launch gaps of one instance are filled by the others' kernels: what the device must do
  // for all k batches, or one batch's own critical path, whichever is longer.
  const double gpu = std::max(k * device, alone.fixed - stack_.per_batch_overhead + device);
  t.compute = alone.compute * k;
  t.memory = alone.memory * k;
  t.total = stack_.per_batch_overhead + std::max(gpu, alone.host);
  return t;
}

void GpuPerformance::check_fits(const ModelProfile& model, int batch, double n, Precision p,
                                double kv_tokens) const {
  const double need = model.memory_footprint(batch, n, p, kv_tokens);
  if (need > gpu_.memory_bytes) {
    std::string what = gigabytes(model.weight_bytes(p)) + " of weights";
    if (model.decoder && kv_tokens > 0) {
      what += " + " + gigabytes(kv_tokens * model.decoder->kv_bytes_per_token(p)) + " of KV cache";
    }
    throw MemoryCapacityError("model '" + model.name + "' at " + std::string(to_string(p)) +
                              ", batch " + std::to_string(batch) + " needs " + gigabytes(need) +
                              " (" + what + " + activations) but GPU '" + gpu_.name + "' has " +
                              gigabytes(gpu_.memory_bytes));
  }
}

double ring_allreduce_time(double bytes, int ranks, double bandwidth, double latency) {
  if (ranks <= 1) return 0.0;
  const double n = ranks;
  return 2.0 * (n - 1.0) / n * bytes / bandwidth + 2.0 * (n - 1.0) * latency;
}

TrainingStep training_step(const GpuPerformance& gpu, const ModelProfile& model,
                           const TrainingSetup& setup) {
  const double f = std::clamp(setup.trainable_fraction, 0.0, 1.0);
  const BatchWork w = model.forward(setup.batch_per_gpu, setup.input_size, setup.precision);
  const double trainable_params = f * model.parameters;
  TrainingStep s;
  const WorkTime t = gpu.training_step(w, setup.precision, f, setup.optimizer_bytes_per_parameter,
                                       trainable_params);
  s.compute = t.total;
  // Gradients are reduced in fp32, NCCL's hierarchical ring played as flows on the GPU links,
  // the NICs and the leaf-spine fabric.
  const double grad_bytes = trainable_params * 4.0;
  TrainingCluster cluster;
  cluster.nodes = setup.nodes;
  cluster.gpus_per_node = setup.gpus_per_node;
  cluster.gpu_link_bandwidth = gpu.gpu().gpu_link_bandwidth;
  cluster.gpu_link_latency = setup.link_latency;
  cluster.nic_bandwidth = setup.nic_bandwidth;
  cluster.nic_latency = setup.nic_latency;
  cluster.nodes_per_leaf = setup.nodes_per_leaf;
  cluster.leaf_uplink_bandwidth = setup.leaf_uplink_bandwidth;
  cluster.link_efficiency = setup.link_efficiency;
  s.allreduce = simulate_allreduce(cluster, grad_bytes).total();
  // Bucketed all-reduce overlaps the backward pass (two thirds of a full step's compute), except
  // for the last bucket, which is ready only when backward ends.
  const double backward = t.total * (2.0 * f) / (1.0 + 2.0 * f);
  const double last_bucket =
      grad_bytes > 0 ? s.allreduce * std::min(1.0, setup.bucket_bytes / grad_bytes) : 0.0;
  s.exposed_allreduce = std::max(s.allreduce - backward, last_bucket);
  if (setup.storage_bandwidth > 0 && model.sample_bytes > 0) {
    s.data_loading =
        setup.batch_per_gpu * setup.gpus_per_node * model.sample_bytes / setup.storage_bandwidth;
  }
  if (setup.host_samples_per_second > 0) {
    s.input_pipeline = static_cast<double>(setup.batch_per_gpu) * setup.gpus_per_node /
                       setup.host_samples_per_second;
  }
  // Loading and the input pipeline are prefetched behind compute: the slowest sets the pace.
  s.step = std::max({s.compute + s.exposed_allreduce, s.data_loading, s.input_pipeline});
  s.samples_per_second =
      static_cast<double>(setup.batch_per_gpu) * setup.gpus_per_node * setup.nodes / s.step;
  return s;
}

TrainingRun training_run(const GpuPerformance& gpu, const ModelProfile& model,
                         const TrainingSetup& setup, double samples, double epochs) {
  const TrainingStep s = training_step(gpu, model, setup);
  TrainingRun r;
  r.epoch_seconds = samples / s.samples_per_second;
  r.total_seconds = r.epoch_seconds * epochs;
  r.gpu_hours = r.total_seconds / 3600.0 * setup.gpus_per_node * setup.nodes;
  r.cost = r.gpu_hours * gpu.gpu().price_per_hour;
  return r;
}

}  // namespace scalesim::hardware
