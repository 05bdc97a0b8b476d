// The GPU roofline, the training step and the memory check, on the shipped catalog.
#include <gtest/gtest.h>

#include <cmath>

#include "hardware/catalog/catalog.h"

namespace scalesim::hardware {
namespace {

const Catalog& catalog() {
  static const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  return c;
}

// A hand-built device and stack so the formula can be checked by hand.
GpuPerformance toy(bool fused = true, double fill_cycles = 1000) {
  GpuSpec g;
  g.name = "toy";
  g.architecture = "toy";
  g.peak_flops[index_of(Precision::kFp16)] = 100e12;
  g.hbm_bandwidth = 1e12;
  g.memory_bytes = 10e9;
  g.boost_clock = 1e9;  // a fill of 1,000 cycles takes 1 us
  ArchitectureEfficiency e;
  e.kernel_launch = 5e-6;
  e.fill_cycles = fill_cycles;
  e.max_efficiency[index_of(Precision::kFp16)] = 0.5;
  e.memory_efficiency = 0.8;
  e.stream_efficiency = 0.9;
  SoftwareStack s;
  s.name = fused ? "fused" : "eager";
  s.fused = fused;
  s.activation_passes = fused ? 2 : 6;
  s.per_op_overhead = 20e-6;
  s.per_batch_overhead = 10e-6;
  return {g, e, s};
}

TEST(GpuPerformance, FormulaByHand) {
  BatchWork w;
  w.flops = 1e12;  // 10 kernels of 1e11 FLOPs
  w.kernels = 10;
  w.weight_bytes = 1e9;
  w.activation_bytes = 2e9;
  // fill 10^6 cycles at 1 GHz = 1 ms: peak x fill = 1e11 FLOPs, half efficiency at 1e11 FLOPs per
  // kernel.
  const WorkTime t = toy(true, 1e6).forward(w, Precision::kFp16);
  // e(W) = 0.5 * 1e11 / (1e11 + 100e12 * 1e-3) = 0.25
  EXPECT_NEAR(t.compute, 1e12 / (100e12 * 0.25), 1e-12);
  // memory = weights at the streaming rate + 2 activation crossings at the fitted rate
  EXPECT_NEAR(t.memory, 1e9 / 0.9e12 + 4e9 / 0.8e12, 1e-12);
  EXPECT_NEAR(t.total, 10e-6 + 10 * 5e-6 + std::max(t.compute, t.memory), 1e-12);
  EXPECT_TRUE(t.compute_bound());
}

TEST(GpuPerformance, LargeGemmsRunAtTheirMeasuredEfficiency) {
  // Of 1e12 FLOPs, 8e11 in 4 GEMMs of 2e11: with a GEMM efficiency of 0.8 they take
  // 8e11 / (100e12 * 0.8 * 2e11 / (2e11 + 1e11)); the rest as any kernel.
  BatchWork w;
  w.flops = 1e12;
  w.kernels = 10;
  w.gemm_flops = 8e11;
  w.gemms = 4;
  GpuPerformance plain = toy(true, 1e6);
  EXPECT_NEAR(plain.forward(w, Precision::kFp16).compute, 1e12 / (100e12 * 0.25), 1e-12)
      << "without a measured GEMM efficiency GEMMs are priced as any other work";
  GpuSpec g = plain.gpu();
  ArchitectureEfficiency e = plain.efficiency();
  e.gemm_efficiency[index_of(Precision::kFp16)] = 0.8;
  const GpuPerformance measured(g, e, plain.stack());
  const double rest = 2e11 / (100e12 * 0.5 * 2e10 / (2e10 + 1e11));
  const double gemm = 8e11 / (100e12 * 0.8 * 2e11 / (2e11 + 1e11));
  EXPECT_NEAR(measured.forward(w, Precision::kFp16).compute, rest + gemm, 1e-12);
  // The shipped catalog carries it for Ampere and Hopper (measured), not for Volta.
  EXPECT_GT(catalog().efficiency("ampere").gemm_efficiency[index_of(Precision::kFp16)], 0.6);
  EXPECT_GT(catalog().efficiency("hopper").gemm_efficiency[index_of(Precision::kFp8)], 0.6);
  EXPECT_EQ(catalog().efficiency("volta").gemm_efficiency[index_of(Precision::kFp16)], 0.0);
}

TEST(GpuPerformance, PowerCapSlowsComputeNotMemory) {
  // A card capped at 1/8 of its full-load power sustains (1/8)^(1/3) = 1/2 of its boost clock.
  BatchWork compute_bound;
  compute_bound.flops = 1e12;
  compute_bound.kernels = 1;
  BatchWork memory_bound;
  memory_bound.weight_bytes = 1e9;
  memory_bound.kernels = 1;
  const GpuPerformance free_running = toy(true);
  GpuPerformance capped = toy(true);
  GpuSpec g = capped.gpu();
  g.tdp_watts = 50;
  g.full_load_watts = 400;
  EXPECT_NEAR(g.sustained_clock_fraction(), 0.5, 1e-12);
  capped = GpuPerformance(g, capped.efficiency(), capped.stack());
  // e(W) = e_max W / (W + peak x fill), with the sustained peak and the fill's 1,000 cycles at
  // the sustained clock (1 us free running, 2 us at half the clock).
  const auto e = [&](double peak, double fill) { return 0.5 * 1e12 / (1e12 + peak * fill); };
  EXPECT_NEAR(capped.forward(compute_bound, Precision::kFp16).compute,
              1e12 / (50e12 * e(50e12, 2e-6)), 1e-12);
  EXPECT_NEAR(free_running.forward(compute_bound, Precision::kFp16).compute,
              1e12 / (100e12 * e(100e12, 1e-6)), 1e-12);
  EXPECT_DOUBLE_EQ(capped.forward(memory_bound, Precision::kFp16).memory,
                   free_running.forward(memory_bound, Precision::kFp16).memory);
  // A TDP at or above the full-load power, or no full-load figure: no cap.
  g.tdp_watts = 400;
  EXPECT_EQ(g.sustained_clock_fraction(), 1.0);
  g.full_load_watts = 0;
  EXPECT_EQ(g.sustained_clock_fraction(), 1.0);
}

TEST(GpuPerformance, PcieCardsDifferFromTheirSxmSiblingsWhereTheDatasheetsDo) {
  const Catalog& c = catalog();
  const ModelProfile& bert = c.model("bert-large");
  const auto latency = [&](const char* gpu, int batch) {
    return c.performance(gpu, "tensorrt").batch_latency(bert, batch, 384, Precision::kFp16).total;
  };
  // Same datasheet peaks and a 250 W vs 400 W TDP: (250/400)^(1/3) of the clock under load.
  EXPECT_NEAR(c.gpu("A100-PCIe-40GB").sustained_clock_fraction(), std::cbrt(250.0 / 400.0), 1e-3);
  EXPECT_EQ(c.gpu("A100-SXM4-40GB").sustained_clock_fraction(), 1.0);
  // Compute-bound (large batch): the PCIe card is slower by up to the clock ratio; at batch 1
  // (weights streamed from HBM, same bandwidth) they are much closer.
  const double big = latency("A100-PCIe-40GB", 128) / latency("A100-SXM4-40GB", 128);
  const double one = latency("A100-PCIe-40GB", 1) / latency("A100-SXM4-40GB", 1);
  EXPECT_GT(big, 1.08);
  EXPECT_LE(big, 1.0 / std::cbrt(250.0 / 400.0) + 1e-9);
  EXPECT_LT(one, big);
  // The 80 GB PCIe card (300 W) sits between them.
  const double mid = latency("A100-PCIe-80GB", 128) / latency("A100-SXM4-80GB", 128);
  EXPECT_GT(mid, 1.0);
  EXPECT_LT(mid, big);
}

TEST(GpuPerformance, EagerHostDispatchSetsThePaceForSmallWork) {
  BatchWork w;
  w.flops = 1e9;
  w.kernels = 10;
  w.eager_ops = 100;  // 100 x 20 us = 2 ms of host dispatch, far above the GPU time
  const WorkTime t = toy(false).forward(w, Precision::kFp16);
  EXPECT_NEAR(t.total, 10e-6 + 100 * 20e-6, 1e-12);
  // Unfused stacks stream each activation four more times.
  BatchWork big = w;
  big.activation_bytes = 8e9;
  big.flops = 1e9;
  const WorkTime te = toy(false).forward(big, Precision::kFp16);
  const WorkTime tf = toy(true).forward(big, Precision::kFp16);
  EXPECT_NEAR(te.memory - tf.memory, 4 * 8e9 / 0.8e12, 1e-9);
}

TEST(GpuPerformance, BatchOneAndHugeBatchLimits) {
  const GpuPerformance perf = catalog().performance("A100-SXM4-40GB", "tensorrt");
  const ModelProfile& bert = catalog().model("bert-large");
  const double t1 = perf.batch_latency(bert, 1, 128, Precision::kFp16).total;
  // Batch 1 is dominated by fixed costs and weight reads: well above FLOPs at peak.
  EXPECT_GT(t1, 3.0 * bert.flops_per_sample(128) / 312e12);
  // A huge batch approaches peak x max efficiency: per-sample time -> FLOPs / (peak * e_max).
  const int huge = 1 << 16;
  const double per_sample = perf.batch_latency(bert, huge, 128, Precision::kFp16).total / huge;
  const double e_max = perf.efficiency().max_efficiency[index_of(Precision::kFp16)];
  EXPECT_NEAR(per_sample, bert.flops_per_sample(128) / (312e12 * e_max), 0.01 * per_sample);
}

TEST(GpuPerformance, MonotoneInBatchSize) {
  for (const char* gpu : {"V100-SXM2-16GB", "A100-SXM4-80GB"}) {
    for (const char* stack : {"tensorrt", "pytorch-eager"}) {
      const GpuPerformance perf = catalog().performance(gpu, stack);
      for (const char* model : {"resnet50", "bert-base", "dlrm", "llama-7b"}) {
        const ModelProfile& m = catalog().model(model);
        double last_latency = 0, last_throughput = 0;
        for (int b = 1; b <= 4096; b *= 2) {
          const double t = perf.batch_latency(m, b, m.default_input, Precision::kFp16).total;
          EXPECT_GE(t, last_latency) << gpu << " " << stack << " " << model << " b=" << b;
          EXPECT_GE(b / t, last_throughput * (1 - 1e-12)) << gpu << " " << model << " b=" << b;
          last_latency = t;
          last_throughput = b / t;
        }
      }
    }
  }
}

TEST(GpuPerformance, FasterGpuIsFaster) {
  const ModelProfile& m = catalog().model("bert-large");
  for (int b : {1, 8, 128}) {
    const double v100 = catalog()
                            .performance("V100-SXM2-16GB", "tensorrt")
                            .batch_latency(m, b, 128, Precision::kFp16)
                            .total;
    const double a100 = catalog()
                            .performance("A100-SXM4-40GB", "tensorrt")
                            .batch_latency(m, b, 128, Precision::kFp16)
                            .total;
    EXPECT_LT(a100, v100) << "batch " << b;
  }
}

TEST(GpuPerformance, UnsupportedPrecisionIsAnError) {
  const GpuPerformance perf = catalog().performance("V100-SXM2-16GB", "tensorrt");
  try {
    (void)perf.batch_latency(catalog().model("resnet50"), 1, 1, Precision::kInt8);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("V100-SXM2-16GB' has no int8"), std::string::npos)
        << e.what();
  }
}

TEST(GpuMemory, ModelTooBigForItsGpuIsRejectedWithNamesAndBytes) {
  const GpuPerformance v100 = catalog().performance("V100-SXM2-16GB", "tensorrt");
  const ModelProfile& llm = catalog().model("llama-7b");
  // 13.5 GB of fp16 weights fit in 16 GiB; fp32 weights (27 GB) do not.
  EXPECT_NO_THROW(v100.check_fits(llm, 1, 128, Precision::kFp16));
  try {
    v100.check_fits(llm, 1, 128, Precision::kFp32);
    FAIL() << "expected MemoryCapacityError";
  } catch (const MemoryCapacityError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("model 'llama-7b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("GPU 'V100-SXM2-16GB'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("26.96 GB of weights"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has 17.18 GB"), std::string::npos) << msg;
  }
  // The KV cache counts: 8 sequences of 4096 tokens at 512 KiB per token is 17.2 GB more.
  EXPECT_THROW(v100.check_fits(llm, 8, 1, Precision::kFp16, 8 * 4096.0), MemoryCapacityError);
  const GpuPerformance a100 = catalog().performance("A100-SXM4-80GB", "tensorrt");
  EXPECT_NO_THROW(a100.check_fits(llm, 8, 1, Precision::kFp16, 8 * 4096.0));
}

TEST(GpuMemory, MigInstanceHasItsShare) {
  const GpuSpec whole = catalog().gpu("A100-SXM4-40GB");
  const GpuSpec slice = catalog().gpu_or_mig("A100-SXM4-40GB/1g");
  EXPECT_EQ(slice.name, "A100-SXM4-40GB/1g.5gb");
  EXPECT_DOUBLE_EQ(slice.peak(Precision::kFp16), whole.peak(Precision::kFp16) / 7);
  EXPECT_DOUBLE_EQ(slice.memory_bytes, whole.memory_bytes / 8);
  EXPECT_EQ(catalog().gpu_or_mig("A100-SXM4-40GB/3g").name, "A100-SXM4-40GB/3g.20gb");
  EXPECT_THROW((void)catalog().gpu_or_mig("V100-SXM2-16GB/1g"), CatalogError);
  EXPECT_THROW((void)catalog().gpu_or_mig("A100-SXM4-40GB/5g"), CatalogError);
  // A 7B model at fp16 does not fit a 1g.5gb slice.
  const GpuPerformance perf(slice, catalog().efficiency("ampere"), catalog().stack("tensorrt"));
  EXPECT_THROW(perf.check_fits(catalog().model("llama-7b"), 1, 1, Precision::kFp16),
               MemoryCapacityError);
}

TEST(LlmModel, DecodeIsMemoryBoundAndPrefillComputeBound) {
  const GpuPerformance perf = catalog().performance("A100-SXM4-80GB", "tensorrt");
  const ModelProfile& llm = catalog().model("llama-7b");
  const WorkTime prefill = perf.forward(llm.prefill(1, 2048, Precision::kFp16), Precision::kFp16);
  const WorkTime decode =
      perf.forward(llm.decode_step(1, 2048, Precision::kFp16), Precision::kFp16);
  EXPECT_TRUE(prefill.compute_bound());
  EXPECT_FALSE(decode.compute_bound());
  // One decode step reads every weight once: at least weights / HBM bandwidth.
  EXPECT_GT(decode.total, llm.weight_bytes(Precision::kFp16) / 2039e9);
  // Batching decode amortises the weight reads: 16 sequences cost far less than 16 steps.
  const double d16 =
      perf.forward(llm.decode_step(16, 2048, Precision::kFp16), Precision::kFp16).total;
  EXPECT_LT(d16, 4 * decode.total);
  // A longer context reads more KV cache.
  EXPECT_GT(perf.forward(llm.decode_step(16, 8192, Precision::kFp16), Precision::kFp16).total, d16);
  EXPECT_DOUBLE_EQ(llm.decoder->kv_bytes_per_token(Precision::kFp16), 524288.0);
}

TEST(Training, FrozenLayersSkipBackwardWork) {
  const GpuPerformance perf = catalog().performance("A100-SXM4-80GB", "pytorch-eager");
  const ModelProfile& m = catalog().model("resnet50");
  TrainingSetup full;
  full.batch_per_gpu = 256;
  full.precision = Precision::kFp16;
  TrainingSetup frozen = full;
  frozen.trainable_fraction = 0.1;
  TrainingSetup inference_only = full;
  inference_only.trainable_fraction = 0;
  const double t_full = training_step(perf, m, full).step;
  const double t_frozen = training_step(perf, m, frozen).step;
  const double t_none = training_step(perf, m, inference_only).step;
  EXPECT_LT(t_frozen, t_full);
  EXPECT_LT(t_none, t_frozen);
  // With nothing trainable a step is one forward pass.
  EXPECT_NEAR(t_none, perf.batch_latency(m, 256, 1, Precision::kFp16).total, 1e-12);
}

TEST(Training, RingAllReduceFormulaAndScaling) {
  EXPECT_DOUBLE_EQ(ring_allreduce_time(1e9, 1, 1e11, 1e-6), 0.0);
  EXPECT_DOUBLE_EQ(ring_allreduce_time(1e9, 8, 1e11, 1e-6), 2.0 * 7 / 8 * 1e9 / 1e11 + 14e-6);
  const GpuPerformance perf = catalog().performance("V100-SXM2-16GB", "pytorch-eager");
  const ModelProfile& m = catalog().model("bert-large");
  TrainingSetup one;
  one.batch_per_gpu = 8;
  one.input_size = 128;
  TrainingSetup eight = one;
  eight.gpus_per_node = 8;
  TrainingSetup sixteen = eight;
  sixteen.nodes = 2;
  sixteen.nic_bandwidth = 12.5e9 / 4;  // a slow 25GbE-class NIC: the all-reduce shows
  const auto s1 = training_step(perf, m, one);
  const auto s8 = training_step(perf, m, eight);
  const auto s16 = training_step(perf, m, sixteen);
  EXPECT_EQ(s1.allreduce, 0.0);
  EXPECT_GT(s8.allreduce, 0.0);
  EXPECT_GT(s16.allreduce, s8.allreduce);
  EXPECT_GT(s8.samples_per_second, 7.0 * s1.samples_per_second);
  EXPECT_LE(s8.samples_per_second, 8.0 * s1.samples_per_second);
  EXPECT_LT(s16.samples_per_second, 2.0 * s8.samples_per_second);
}

TEST(Training, DataParallelScalingIsSublinearFromTheAllReduceAndTheInputPipeline) {
  // BERT-large with mixed precision on PCIe cards: 1.34 GB of fp32 gradients through 31.5 GB/s
  // ports, against a step short enough that the backward pass cannot hide them all.
  const GpuPerformance perf = catalog().performance("A100-PCIe-40GB", "pytorch-eager");
  const ModelProfile& m = catalog().model("bert-large");
  double last_rate = 0, last_efficiency = 1.0 + 1e-12;
  for (const int g : {1, 2, 4, 8}) {
    TrainingSetup s;
    s.batch_per_gpu = 4;
    s.input_size = 384;
    s.precision = Precision::kFp16;
    s.gpus_per_node = g;
    const TrainingStep step = training_step(perf, m, s);
    const double grads = m.parameters * 4.0;
    // The simulated all-reduce on an idle fabric is the ring formula.
    EXPECT_NEAR(step.allreduce,
                ring_allreduce_time(grads, g, 0.8 * perf.gpu().gpu_link_bandwidth, s.link_latency),
                2.0 * g * 1e-9)
        << g;
    if (g > 1) {
      EXPECT_GT(step.exposed_allreduce, 0.0) << g;
    }
    const double single = training_step(perf, m,
                                        [&] {
                                          TrainingSetup one = s;
                                          one.gpus_per_node = 1;
                                          return one;
                                        }())
                              .samples_per_second;
    const double efficiency = step.samples_per_second / (g * single);
    EXPECT_GT(step.samples_per_second, last_rate) << g;  // more GPUs still help
    EXPECT_LT(efficiency, last_efficiency) << g;         // but each a little less
    last_rate = step.samples_per_second;
    last_efficiency = efficiency;
  }
  EXPECT_LT(last_efficiency, 0.95);
  // A host that prepares fewer samples per second than the GPUs consume sets the pace.
  const GpuPerformance a100 = catalog().performance("A100-SXM4-80GB", "pytorch-eager");
  TrainingSetup images;
  images.batch_per_gpu = 256;
  images.gpus_per_node = 8;
  const double free_rate =
      training_step(a100, catalog().model("resnet50"), images).samples_per_second;
  images.host_samples_per_second = 0.5 * free_rate;
  const TrainingStep capped = training_step(a100, catalog().model("resnet50"), images);
  EXPECT_NEAR(capped.samples_per_second, 0.5 * free_rate, 1e-6 * free_rate);
  EXPECT_GT(capped.input_pipeline, capped.compute);
}

TEST(Training, SlowStorageBoundsTheStep) {
  const GpuPerformance perf = catalog().performance("A100-SXM4-80GB", "pytorch-eager");
  const ModelProfile& m = catalog().model("resnet50");
  TrainingSetup s;
  s.batch_per_gpu = 256;
  s.storage_bandwidth = 10e6;  // 10 MB/s: 256 x 110 kB takes 2.8 s
  const auto step = training_step(perf, m, s);
  EXPECT_NEAR(step.step, 256 * 110e3 / 10e6, 1e-9);
  const TrainingRun run = training_run(perf, m, s, 1281167, 2);
  EXPECT_NEAR(run.total_seconds, 2 * 1281167 / step.samples_per_second, 1e-6);
  EXPECT_NEAR(run.cost, run.gpu_hours * 5.12, 1e-9);
}

TEST(CpuInstance, RequestTimeFromFlopsAndCoreRate) {
  const CpuInstanceSpec& c5 = catalog().cpu("c5.2xlarge");
  EXPECT_DOUBLE_EQ(c5.core_flops, 3.6e9 * 64);
  const ModelProfile& mlp = catalog().model("mlp-small");
  EXPECT_NEAR(c5.request_seconds(mlp, 1), 1.34e6 / (230.4e9 * 0.3), 1e-15);
  EXPECT_NEAR(c5.request_seconds(mlp, 1, 32), 32 * c5.request_seconds(mlp, 1), 1e-15);
  // Tree ensembles are latency bound: 500 trees x depth 8 take ~17 us on one core.
  const double gbt = c5.request_seconds(catalog().model("gbt"), 1);
  EXPECT_GT(gbt, 10e-6);
  EXPECT_LT(gbt, 40e-6);
}

}  // namespace
}  // namespace scalesim::hardware

namespace scalesim::hardware {
namespace {

TEST(GpuInstances, SeveralInstancesOverlapFixedCostsButShareTheDevice) {
  const Catalog c = Catalog::load(std::string(SCALESIM_SOURCE_DIR) + "/configs");
  const GpuPerformance perf = c.performance("A100-SXM4-40GB", "tensorrt");
  const ModelProfile& bert = c.model("bert-base");
  // Batch 1: launch-bound, so a second instance nearly doubles throughput.
  const WorkTime one = perf.batch_latency(bert, 1, 128, Precision::kFp16);
  const WorkTime two = perf.concurrent(one, 2);
  EXPECT_GE(two.total, one.total);
  const double gain_small = (2 / two.total) / (1 / one.total);
  EXPECT_GT(gain_small, 1.5);
  EXPECT_LE(gain_small, 2.0 + 1e-12);
  // Batch 128: the device is saturated, so instances add no throughput.
  const WorkTime big = perf.batch_latency(bert, 128, 128, Precision::kFp16);
  const WorkTime big4 = perf.concurrent(big, 4);
  const double gain_big = (4 * 128 / big4.total) / (128 / big.total);
  EXPECT_LT(gain_big, 1.1);
  EXPECT_GE(gain_big, 1.0 - 1e-12);
  // Never faster than the device can do the work of all instances.
  EXPECT_GE(big4.total, 4 * std::max(big.compute, big.memory));
  EXPECT_EQ(perf.concurrent(one, 1).total, one.total);
}

}  // namespace
}  // namespace scalesim::hardware
