// Time of GPU work: a per-kernel fixed cost plus a roofline over compute and memory, with
// achieved efficiency rising with the work per kernel (small kernels cannot fill the GPU):
//
//   e(W)     = e_max[p] * W / (W + peak[p] * fill)   W = FLOPs per kernel, fill = cycles / clock
//   compute  = flops / (peak[p] * e(W))
//   memory   = (weights + lookups + 2 * activations) / (HBM * e_mem)
//   extra    = (passes - 2) * activations / (HBM * e_mem)         unfused elementwise ops
//   gpu      = kernels * kernel_launch + max(compute, memory) + extra
//   batch    = per_batch_overhead + max(gpu, eager_ops * per_op_overhead)
//
// The host term matters only for eager frameworks, whose per-op dispatch runs ahead of the GPU
// asynchronously: whichever side is slower sets the pace.
#pragma once

#include <stdexcept>
#include <string>

#include "hardware/gpu/gpu_spec.h"
#include "hardware/gpu/model_profile.h"

namespace scalesim::hardware {

// A model that does not fit its device; the message names model, device and bytes.
class MemoryCapacityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WorkTime {
  double total = 0;    // s
  double compute = 0;  // s, roofline compute side
  double memory = 0;   // s, roofline memory side
  double fixed = 0;    // s, kernel launches and per-batch overhead
  double host = 0;     // s, eager dispatch
  bool compute_bound() const { return compute >= memory; }
};

class GpuPerformance {
 public:
  GpuPerformance(GpuSpec gpu, ArchitectureEfficiency eff, SoftwareStack stack)
      : gpu_(std::move(gpu)), eff_(std::move(eff)), stack_(std::move(stack)) {}

  // Time of one forward pass (inference batch). Throws std::invalid_argument when the GPU has
  // no support for the precision.
  WorkTime forward(const BatchWork& w, Precision p) const { return run(w, p, 1.0, 1.0); }

  // Time of one training step's compute: forward, backward for the trainable fraction (weight
  // and input gradients, 2x forward FLOPs; frozen bottom layers skip theirs), optimizer update.
  WorkTime training_step(const BatchWork& w, Precision p, double trainable_fraction,
                         double optimizer_bytes_per_parameter, double trainable_parameters) const;

  // Inference latency of a batch of `batch` samples of input size n for `model`.
  WorkTime batch_latency(const ModelProfile& model, int batch, double n, Precision p) const {
    return forward(model.forward(batch, n, p), p);
  }

  // Several model instances on one GPU (Triton's instance_group count): `concurrent` batches of
  // this work run at once. Host dispatch and kernel launches of different instances overlap
  // (separate threads and CUDA streams), while the roofline part shares the GPU's SMs and HBM.
  // Returns the time each of them takes; throughput grows with instances until the roofline
  // part saturates the device.
  WorkTime concurrent(const WorkTime& alone, int concurrent) const;

  // Throws MemoryCapacityError when the footprint exceeds the device memory.
  void check_fits(const ModelProfile& model, int batch, double n, Precision p,
                  double kv_tokens = 0) const;

  const GpuSpec& gpu() const { return gpu_; }
  const ArchitectureEfficiency& efficiency() const { return eff_; }
  const SoftwareStack& stack() const { return stack_; }

 private:
  WorkTime run(const BatchWork& w, Precision p, double flop_factor, double traffic_factor) const;

  GpuSpec gpu_;
  ArchitectureEfficiency eff_;
  SoftwareStack stack_;
};

// Ring all-reduce of `bytes` over n ranks on links of `bandwidth` (bytes/s per direction) with
// per-step latency: 2 (n-1)/n * bytes / bandwidth + 2 (n-1) * latency. The closed form the
// simulated all-reduce (hardware/network/collective.h) reduces to on an idle fabric.
double ring_allreduce_time(double bytes, int ranks, double bandwidth, double latency);

// Data-parallel training on nodes x gpus_per_node GPUs.
struct TrainingSetup {
  int gpus_per_node = 1;
  int nodes = 1;
  int batch_per_gpu = 256;
  double input_size = 1;
  Precision precision = Precision::kFp16;
  double trainable_fraction = 1.0;  // of the forward FLOPs and parameters (transfer learning < 1)
  double optimizer_bytes_per_parameter = 20;  // SGD with momentum: 5 fp32 reads/writes
  double storage_bandwidth = 0;               // bytes/s per node from storage (0 = not limiting)
  double nic_bandwidth = 12.5e9;              // bytes/s per node across nodes
  double nic_latency = 5e-6;
  double link_latency = 2e-6;    // NVLink/PCIe hop, per all-reduce step
  double link_efficiency = 0.8;  // achieved fraction of link bandwidth (NCCL bus bandwidth)
  // Leaf-spine between nodes: nodes per leaf (0: one switch) and each leaf's uplink capacity.
  int nodes_per_leaf = 0;
  double leaf_uplink_bandwidth = 0;
  // Gradients are all-reduced in buckets as backward produces them (PyTorch DDP bucket_cap_mb,
  // default 25 MB): the last bucket's all-reduce cannot overlap any backward work.
  double bucket_bytes = 25e6;
  // Input pipeline of a node (decoding, augmentation): samples/s it can deliver; 0 = unlimited.
  double host_samples_per_second = 0;
};

struct TrainingStep {
  double compute = 0;             // forward + backward + optimizer, s
  double allreduce = 0;           // s, whole gradient all-reduce (simulated on the fabric)
  double exposed_allreduce = 0;   // s not hidden behind the backward pass
  double data_loading = 0;        // s per step to read the batch from storage
  double input_pipeline = 0;      // s per step for the node's host to prepare the batch
  double step = 0;                // s
  double samples_per_second = 0;  // all GPUs together
};

TrainingStep training_step(const GpuPerformance& gpu, const ModelProfile& model,
                           const TrainingSetup& setup);

// Epoch and time-to-train for a dataset of `samples` over `epochs`.
struct TrainingRun {
  double epoch_seconds = 0;
  double total_seconds = 0;
  double gpu_hours = 0;
  double cost = 0;  // USD at the GPU's price per hour
};
TrainingRun training_run(const GpuPerformance& gpu, const ModelProfile& model,
                         const TrainingSetup& setup, double samples, double epochs);

}  // namespace scalesim::hardware
