// A GPU type as its datasheet describes it (configs/hardware/gpus.yaml), plus the achieved
// efficiencies of its architecture (configs/hardware/gpu_efficiency.yaml, fitted by
// `scalesim calibrate`).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "hardware/gpu/precision.h"
#include "scalesim/config/config_node.h"

namespace scalesim::hardware {

struct GpuSpec {
  std::string name;
  std::string architecture;  // "volta", "ampere": selects the fitted efficiencies
  std::array<double, kPrecisionCount> peak_flops{};  // dense FLOP/s (OP/s for int8); 0 = none
  double memory_bytes = 0;
  double hbm_bandwidth = 0;       // bytes/s
  double gpu_link_bandwidth = 0;  // GPU-to-GPU, bytes/s per direction (NVLink or PCIe)
  std::string gpu_link;           // "nvlink2", "nvlink3", "pcie3", "pcie4"
  // A PCIe card that takes an NVLink bridge joining it to one other card (A100 PCIe, A30, H100
  // PCIe): the bridge's bytes/s per direction; 0 = no bridge.
  double nvlink_bridge_bandwidth = 0;
  double host_link_bandwidth = 0;  // PCIe to the host, bytes/s per direction
  double tdp_watts = 0;
  // Boost clock (Hz) at which the datasheet's peaks are quoted: what sets how long a kernel's
  // ramp (launching its blocks, the first and last waves) takes, in cycles.
  double boost_clock = 0;
  // Power the GPU would draw running dense tensor GEMMs at its boost clock (peak FP16 x the
  // architecture's energy per FLOP); 0 = not power-limited.
  double full_load_watts = 0;
  double price_per_hour = 0;  // USD, on-demand, one GPU
  int mig_slices = 0;         // A100: 7 compute slices
  std::string source;

  double peak(Precision p) const { return peak_flops[index_of(p)]; }
  // Fraction of the boost clock sustained under full compute load: dynamic power grows as
  // f V^2 and the voltage with the clock, so P ~ f^3 and a card capped below its full-load
  // power runs at (TDP / full-load power)^(1/3) of its boost clock.
  double sustained_clock_fraction() const;
  // The clock it sustains under full load (Hz).
  double sustained_clock() const { return boost_clock * sustained_clock_fraction(); }
  bool supports(Precision p) const { return peak(p) > 0; }

  // A MIG instance of `compute_slices` sevenths of the GPU (A100: 1g, 2g, 3g, 4g, 7g), with
  // its share of memory and bandwidth (eighths, as the A100's memory slices are).
  GpuSpec mig_instance(int compute_slices) const;

  static GpuSpec from_config(const std::string& name, const ConfigNode& node);
};

// Achieved-efficiency parameters of one GPU architecture (fitted, few and physical).
struct ArchitectureEfficiency {
  std::string architecture;
  double kernel_launch = 5e-6;  // s per kernel: launch and ramp-down, not overlapped with work
  // GPU cycles of a kernel's ramp: work W reaches efficiency e_max * W / (W + peak * fill)
  // with fill = fill_cycles / the GPU's sustained clock.
  double fill_cycles = 2100;
  std::array<double, kPrecisionCount> max_efficiency{0.6, 0.5, 0.6, 0.6, 0.5, 0.5};
  double memory_efficiency = 0.8;  // fraction of HBM bandwidth activation traffic reaches
  // Fraction of HBM bandwidth a long sequential read reaches (weights): a device property,
  // measured (calibration/gpu_microbench_*.csv), not fitted.
  double stream_efficiency = 0.86;
  // Fraction of peak a large dense GEMM (cuBLAS at LLM layer shapes) reaches, per precision;
  // 0 = not measured for this architecture (such work is priced as any other). A device
  // property, measured, not fitted.
  std::array<double, kPrecisionCount> gemm_efficiency{};
};

// A software stack on the GPU: how kernels are fused and what the host adds per batch.
struct SoftwareStack {
  std::string name;
  std::vector<std::string> match;  // prefixes of a measurement's "software" column
  bool fused = true;               // graph compiler (TensorRT) vs. eager framework
  double activation_passes = 2;    // times each activation element crosses HBM per forward
  double per_op_overhead = 0;      // s of host dispatch per framework op (eager only)
  double per_batch_overhead = 0;   // s per batch (request handling, synchronisation)
};

}  // namespace scalesim::hardware
