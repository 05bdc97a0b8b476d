#include "models/patterns/training_job_config.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "hardware/network/object_store.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/serving/catalog_lookup.h"

namespace scalesim {

using namespace hardware;

TrainingJobSetup training_job_setup(const ConfigNode& node, const Catalog& catalog) {
  const auto at = [&](std::string_view key) { return node.at(key); };
  const ModelProfile* model = &model_at(node, catalog);
  const std::string stack = node.string_or("software", "pytorch-eager");
  std::optional<GpuPerformance> perf(performance_at(node, catalog, "pytorch-eager"));
  TrainingSetup t;
  t.precision = precision_at(node, model->default_precision);
  auto count = [&](std::string_view key, std::int64_t def, std::int64_t max) {
    const std::int64_t v = node.integer_or(key, def);
    if (v < 1 || v > max) at(key).fail("must be between 1 and " + std::to_string(max));
    return static_cast<int>(v);
  };
  t.gpus_per_node = count("gpus_per_node", 1, 16);
  t.nodes = count("nodes", 1, 100000);
  const auto tb = model->training_batch.find(t.precision);
  t.batch_per_gpu =
      count("batch_per_gpu", tb != model->training_batch.end() ? tb->second : 32, 1 << 20);
  t.input_size = node.has("input") ? node.positive_number("input") : model->default_input;
  if (const auto f = node.find("trainable_fraction")) {
    t.trainable_fraction = f->as_double();
    if (!(t.trainable_fraction >= 0 && t.trainable_fraction <= 1)) f->fail("must lie in [0, 1]");
  }
  t.optimizer_bytes_per_parameter = node.number_or("optimizer_bytes_per_parameter", 20);
  try {
    perf->check_fits(*model, t.batch_per_gpu, t.input_size, t.precision);
  } catch (const MemoryCapacityError& e) {
    at("gpu").fail(e.what());
  }
  if (const auto nic = node.find("nic")) {
    try {
      const NicSpec& spec = catalog.network().nic(nic->as_string());
      t.nic_bandwidth = spec.line_rate;
      t.nic_latency = to_seconds(spec.latency);
    } catch (const ConfigError& e) {
      nic->fail(e.what());
    }
  }
  if (const auto fabric = node.find("fabric")) {
    // Nodes on a leaf-spine fabric: the all-reduce across nodes shares the leaves' uplinks.
    try {
      const FabricSpec& spec = catalog.network().fabric(fabric->as_string());
      t.nodes_per_leaf = static_cast<int>(spec.hosts_per_leaf);
      t.leaf_uplink_bandwidth = spec.spines * spec.spine_link_bandwidth;
      if (!node.has("nic")) t.nic_bandwidth = spec.host_link_bandwidth;
    } catch (const ConfigError& e) {
      fabric->fail(e.what());
    }
  }
  if (const auto ip = node.find("input_pipeline")) {
    // Host cores preparing samples (decode, augmentation) for a node's GPUs.
    ip->expect_keys({"cores", "per_sample"});
    const double cores = ip->positive_number("cores");
    const double per_sample = to_seconds(ip->duration("per_sample"));
    if (!(per_sample > 0)) ip->at("per_sample").fail("must be greater than zero");
    t.host_samples_per_second = cores / per_sample;
  }
  std::string loading = "local";
  if (const auto st = node.find("storage")) {
    st->expect_keys({"object_store", "streams", "bandwidth"});
    if (st->has("bandwidth")) {
      t.storage_bandwidth = st->bandwidth("bandwidth");
    } else {
      ObjectStoreSpec spec;
      try {
        spec = catalog.network().object_store(st->string("object_store"));
      } catch (const ConfigError& e) {
        st->at("object_store").fail(e.what());
      }
      const std::int64_t streams = st->integer_or("streams", 16);
      if (streams < 1 || streams > 1'000'000) {
        st->at("streams").fail("must be between 1 and 1000000");
      }
      // Streams per node share the node's NIC.
      t.storage_bandwidth =
          ObjectStore(spec, t.nic_bandwidth).bandwidth(static_cast<std::uint32_t>(streams));
      loading = st->string("object_store");
    }
  }
  const double samples = node.positive_number("samples");
  TrainingJobSetup s;
  if (node.has("epochs") && node.at("epochs").as_string() == "target") {
    // As many epochs as the model needs to reach its quality target at this global batch.
    if (!model->convergence) {
      at("epochs").fail("model '" + model->name +
                        "' has no convergence data (`convergence:` in its profile); give a "
                        "number of epochs");
    }
    const double global_batch = static_cast<double>(t.batch_per_gpu) * t.gpus_per_node * t.nodes;
    try {
      s.epochs_to_target = model->convergence->epochs_to_target(global_batch, samples);
    } catch (const std::out_of_range& e) {
      at("epochs").fail(e.what());
    }
    s.quality_target = model->convergence->quality;
  } else {
    const std::int64_t epochs = node.integer_or("epochs", 1);
    if (epochs < 1) at("epochs").fail("must be at least 1, or `target`");
    s.epochs_to_target = static_cast<double>(epochs);
  }
  const TrainingStep step = training_step(*perf, *model, t);
  s.step_seconds = step.step;
  s.samples_per_second = step.samples_per_second;
  const double epoch_seconds = samples / step.samples_per_second;
  s.epoch_time = std::max<SimTime>(1, from_seconds(epoch_seconds));
  const double whole = std::ceil(s.epochs_to_target - 1e-9);
  s.epochs = static_cast<std::uint32_t>(std::max(1.0, whole));
  s.last_epoch_time = std::max<SimTime>(
      1, from_seconds(epoch_seconds * (s.epochs_to_target - (static_cast<double>(s.epochs) - 1))));
  s.gpus = static_cast<double>(t.gpus_per_node) * t.nodes;
  s.price_per_hour = s.gpus * perf->gpu().price_per_hour;
  const double gpu_side = step.compute + step.exposed_allreduce;
  s.bound = step.input_pipeline > std::max(gpu_side, step.data_loading) ? "input pipeline"
            : step.data_loading > gpu_side                              ? "data loading"
            : step.exposed_allreduce > 0.2 * step.compute               ? "all-reduce"
                                                                        : "compute";
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "%s %s on %d x %d %s (%s), batch %d per GPU, %.0f%% trainable, data from %s: "
                "%.3f s per step (all-reduce %.2f ms, %.2f ms of it exposed), %.0f samples/s, "
                "%s bound",
                model->name.c_str(), std::string(to_string(t.precision)).c_str(), t.nodes,
                t.gpus_per_node, perf->gpu().name.c_str(), stack.c_str(), t.batch_per_gpu,
                100 * t.trainable_fraction, loading.c_str(), step.step, step.allreduce * 1e3,
                step.exposed_allreduce * 1e3, step.samples_per_second, s.bound.c_str());
  s.description = buf;
  return s;
}

TrainingJob TrainingJob::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "model", "gpu", "software", "precision", "gpus_per_node", "nodes",
                    "batch_per_gpu", "input", "trainable_fraction", "optimizer_bytes_per_parameter",
                    "samples", "epochs", "storage", "nic", "fabric", "input_pipeline", "to"});
  TrainingJobSetup setup = training_job_setup(node, ctx.catalog());
  ctx.rent(setup.price_per_hour);
  const std::optional<Link> out = ctx.optional_link(node, "to");
  return TrainingJob(std::move(setup), out, ctx.interval(), ctx.adaptive());
}

void TrainingJob::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.text("hardware", setup().description, kText);
  r.count("runs", completed(), kText);
  r.value("mean_training_time_s", run_time().mean(), Unit::kSeconds, kHeadline);
  r.value("step_s", setup().step_seconds, Unit::kSeconds);
  r.value("epochs", setup().epochs_to_target, Unit::kNumber, kText);
  if (!setup().quality_target.empty()) r.text("quality_target", setup().quality_target, kText);
  r.value("samples_per_s", setup().samples_per_second, Unit::kPerSecond, kHeadline);
  r.text("bound", setup().bound);
  r.value("gpu_hours", gpu_hours(), Unit::kNumber, kHeadline);
  r.value("cost", cost(), Unit::kDollars, kText);
  r.value("cost_per_run", completed() ? cost() / static_cast<double>(completed()) : std::nan(""),
          Unit::kDollars, kHeadline);
  r.summary_count(completed());
}

}  // namespace scalesim
